#!/usr/bin/env bash
# On a machine with CUDA: train the default configuration on the GPU and print samples/s
# and the validation accuracy; then check that classify and analyze run with the model.
#   bash scripts/gpu_check.sh
set -euo pipefail
cd "$(dirname "$0")/.."
python - <<'PY'
import time, torch
from letters.alphabet import CLASSES
from letters.config import DatasetConfig, TrainConfig
from letters.drawing.dataset import Dataset
from letters.drawing.generator import generate_tensors
from letters.network.train import train_model
assert torch.cuda.is_available(), "no CUDA device here"
print("device:", torch.cuda.get_device_name(0), "| torch", torch.__version__)
t = generate_tensors(DatasetConfig(count=30000, workers=8))
data = Dataset(t["images"], t["labels"], t["is_val"], list(CLASSES), {})
for device in ("cuda", "cpu"):
    _, result = train_model(data, TrainConfig(device=device, epochs=10))
    steps = result.history[-1].seconds
    rate = 10 * int((~data.is_val).sum()) / steps
    print(f"{device}: {rate:,.0f} samples/s, val accuracy {result.val_accuracy:.4f}, "
          f"{steps:.2f} s in steps")
PY
letters generate --out /tmp/gpu-glyphs --count 6000 --workers 4 --force
letters train --data /tmp/gpu-glyphs --out /tmp/gpu-model.pt --device cuda --epochs 3 --json | python -c "import json,sys; m=json.load(sys.stdin); print('cli train on cuda: val', m['val_accuracy'])"
letters classify letters/network/assets/samples --model /tmp/gpu-model.pt
