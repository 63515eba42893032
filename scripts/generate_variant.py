"""`letters generate` with some of the generator's settings changed: the glyphs of a screen's arm.

A change to how hands are drawn is screened on glyphs made the same way as the control's, with one
setting of `GeneratorConfig` different, then scored by `scripts/compare_inputs.py --data DIR`.
Each change is FIELD=VALUE, typed as the field's default is: a number, a range written LO,HI, or
one ornament's share written features.NAME=P. The folder's meta.json records the settings, so
`letters train` and the analysis read it as any other dataset.

    python scripts/generate_variant.py --out g300-reach --count 300000 exit_reach=1.0,2.2
    python scripts/generate_variant.py --out g300-exit --count 300000 features.exit=0.3 slant=-0.15,0.7
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import fields, replace
from pathlib import Path

from letters.config import DatasetConfig, GeneratorConfig
from letters.dataset import write_dataset
from letters.errors import LettersError

DEFAULTS = GeneratorConfig()


def changed(items: list[str]) -> GeneratorConfig:
    """['exit_reach=1.0,2.2', 'features.exit=0.3'] -> GeneratorConfig with those fields replaced."""
    names = {f.name for f in fields(GeneratorConfig)}
    config, features = {}, dict(DEFAULTS.features)
    for item in items:
        key, sep, value = item.partition("=")
        ornament = key.removeprefix("features.") if key.startswith("features.") else None
        if not sep or (ornament is None and (key not in names or key == "features")) or \
                (ornament is not None and ornament not in features):
            known = ", ".join(sorted(names - {"features"}) + [f"features.{name}" for name in features])
            raise LettersError(f"{item!r}: write FIELD=VALUE with FIELD one of {known}")
        default = DEFAULTS.features[ornament] if ornament is not None else getattr(DEFAULTS, key)
        try:
            parts = [type(default[0] if isinstance(default, tuple) else default)(v) for v in value.split(",")]
        except ValueError:
            raise LettersError(f"{item!r}: {key} takes {'LO,HI' if isinstance(default, tuple) else 'a number'}") from None
        if len(parts) != (len(default) if isinstance(default, tuple) else 1):
            raise LettersError(f"{item!r}: {key} takes {'LO,HI' if isinstance(default, tuple) else 'one number'}")
        if isinstance(default, tuple) and parts[0] > parts[1]:
            raise LettersError(f"{item!r}: the range's low end is above its high end")
        if ornament is not None:
            if not 0.0 <= parts[0] <= 1.0:
                raise LettersError(f"{item!r}: a share is between 0 and 1")
            features[ornament] = parts[0]
        else:
            config[key] = tuple(parts) if isinstance(default, tuple) else parts[0]
    return replace(DEFAULTS, **config, features=features)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("changes", nargs="*", metavar="FIELD=VALUE", help="GeneratorConfig fields to change")
    parser.add_argument("--out", type=Path, required=True, help="the dataset folder to write")
    parser.add_argument("--count", type=int, default=300_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--force", action="store_true", help="replace a dataset already at --out")
    args = parser.parse_args()
    generator = changed(args.changes)
    config = DatasetConfig(count=args.count, seed=args.seed, workers=args.workers, generator=generator)
    config.validate()
    meta = write_dataset(args.out, config, force=args.force)
    print(f"wrote {meta['count']} glyphs to {args.out} with "
          + (", ".join(args.changes) if args.changes else "the generator's defaults"))


if __name__ == "__main__":
    try:
        main()
    except LettersError as error:  # a bad FIELD=VALUE, --count or --out: one line, no traceback
        sys.exit(f"generate_variant: {error.cli_line}")
    except OSError as error:  # the folder cannot be written: the same one line
        sys.exit(f"generate_variant: {error.strerror or error}: {error.filename or ''}".rstrip(": "))
