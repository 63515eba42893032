"""Reading image files that people actually save, and refusing the ones that cannot be read.

`open_image` returns a decoded Pillow image, EXIF orientation applied, or raises
LettersError with one line that names the problem. `find_images` expands files and
folders (recursively) into a sorted list of image paths.
"""

from __future__ import annotations

import os
import stat
import warnings
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from ..errors import LettersError

MAX_PIXELS = 50_000_000  # larger images are refused before decoding (decompression bombs)
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff")

Image.MAX_IMAGE_PIXELS = MAX_PIXELS  # Pillow's own guard then errors at twice this, before we look


def open_image(path: str | Path) -> Image.Image:
    """Decode one image file fully, or raise LettersError saying why it cannot be used."""
    path = Path(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise LettersError("no such file") from None
    except OSError as error:
        raise LettersError(f"cannot be read ({(error.strerror or str(error)).lower()})") from None
    if stat.S_ISDIR(info.st_mode):
        raise LettersError("is a folder, not an image file")
    if not stat.S_ISREG(info.st_mode):  # reading a FIFO blocks forever, a device may never end
        raise LettersError("is not a regular file (a FIFO, device or socket), not an image file")
    if info.st_size == 0:
        raise LettersError("file is empty (0 bytes)")
    if not os.access(path, os.R_OK):
        raise LettersError("cannot be read (permission denied)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(path)
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise LettersError(f"image is {width}x{height} = {width * height / 1e6:.0f} megapixels, over the "
                                   f"{MAX_PIXELS // 1_000_000} megapixel limit (scale it down first)")
            frames = getattr(image, "n_frames", 1)  # only animated formats have it
            if frames > 1:
                raise LettersError(f"animated image with {frames} frames (save the one frame to classify "
                                   "as a still image)")
            image.load()
            image = ImageOps.exif_transpose(image)  # type: ignore[assignment]  # ImageFile -> Image
    except LettersError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise LettersError(f"image is over the {MAX_PIXELS // 1_000_000} megapixel limit (scale it down first)") from None
    except PermissionError:
        raise LettersError("cannot be read (permission denied)") from None
    except UnidentifiedImageError:
        raise LettersError("not an image file that Pillow can read (use PNG, JPEG, BMP, GIF, WebP or TIFF)") from None
    except (OSError, ValueError, SyntaxError, EOFError, MemoryError) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        if "truncated" in reason or isinstance(error, EOFError):
            raise LettersError(f"image file is truncated or damaged ({reason}); save it again") from None
        raise LettersError(f"image cannot be decoded ({reason}); save it again as PNG or JPEG") from None
    except Exception as error:  # noqa: BLE001 - Pillow plugins raise assorted types on hostile input
        raise LettersError(f"image cannot be decoded ({type(error).__name__}); save it again as PNG or JPEG") from None
    return image


def find_images(paths) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Expand files and folders into image paths; also return (path, problem) for
    paths that do not exist and folders that hold no images."""
    found, problems = [], []
    for raw in paths:
        path = Path(raw)
        try:
            is_dir = stat.S_ISDIR(os.stat(path).st_mode)
        except FileNotFoundError:
            problems.append((path, "no such file or folder"))
            continue
        except OSError as error:  # e.g. inside a folder we may not enter
            problems.append((path, f"cannot be read ({(error.strerror or str(error)).lower()})"))
            continue
        if not is_dir:
            found.append(path)  # open_image says what is wrong with it, if anything
        elif not os.access(path, os.R_OK | os.X_OK):
            problems.append((path, "folder cannot be read (permission denied)"))
        else:
            inside = sorted(p for p in path.rglob("*") if p.suffix.lower() in IMAGE_EXTENSIONS and _is_file(p))
            if not inside:
                problems.append((path, f"folder holds no images ({', '.join(IMAGE_EXTENSIONS)})"))
            found.extend(inside)
    return found, problems


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:
        return False
