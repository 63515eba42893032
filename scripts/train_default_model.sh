#!/usr/bin/env bash
# Rebuild the shipped model, letters/assets/letters-mlp.pt, from a fixed seed, then score it on
# everything real it never saw (fonts, stroke fonts, mouse drawings, scanned handwriting).
# The generated glyphs are the only training data. Wall time on 2 CPU cores: see README.
set -euo pipefail
cd "$(dirname "$0")/.."
letters generate --out data/glyphs --count 1000000 --seed 0 --workers 2 --force
letters train --data data/glyphs --out letters/assets/letters-mlp.pt --hidden 512 --weight-decay 3e-5 \
    --epochs 12 --batch-size 256 --lr 3e-3 --augment 1.5 --seed 0 --members 3 --device cpu --force
python scripts/eval_real.py
