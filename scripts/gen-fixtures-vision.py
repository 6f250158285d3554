#!/usr/bin/python3
"""Writes the vision fixtures read by test/data-vision.test.ts and test/data-image-folder.test.ts:

- test/fixtures/vision/folder/: a small ImageFolder tree of PNG and JPEG files written by PIL
  (RGB, grayscale, RGBA, palette PNGs; 4:4:4, 4:2:0 and grayscale JPEGs), plus files that are
  not images, and folder.json: what torchvision 0.14's ImageFolder makes of it (classes,
  class_to_idx, samples, targets) and each sample as its default loader decodes it
  (PIL, .convert("RGB")), as uint8 HWC.
- test/fixtures/vision/transforms.json: torchvision.transforms.functional on tensors (float32
  and uint8): resize (bilinear and nearest, antialias=False), center_crop, pad (every mode),
  adjust_brightness / contrast / saturation / hue, and ToTensor's value for every uint8.
  Also the largest difference between PIL's resize and the tensor path, for the README.

Committed; tests never run Python.

    /usr/bin/python3 scripts/gen-fixtures-vision.py
"""

import base64
import json
import os
import shutil

import numpy as np
import torch
import torchvision
import torchvision.transforms.functional as TF
from PIL import Image
from torchvision.transforms import InterpolationMode

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "test", "fixtures", "vision")
FOLDER = os.path.join(OUT, "folder")


def arr(t):
    a = t.numpy() if isinstance(t, torch.Tensor) else np.asarray(t)
    if a.dtype == np.uint8:
        return {"shape": list(a.shape), "dtype": "u8", "b64": base64.b64encode(a.tobytes()).decode()}
    a = a.astype("<f4")
    return {"shape": list(a.shape), "dtype": "f32", "b64": base64.b64encode(a.tobytes()).decode()}


def write(name, obj):
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, name)
    with open(path, "w") as f:
        json.dump(obj, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {os.path.relpath(path, ROOT)} ({os.path.getsize(path) / 1024:.0f} KiB)")


def picture(h, w, seed):
    """A smooth gradient with noise, RGB uint8: like a photo, not like noise."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w]
    base = np.stack([x * 255 / max(w - 1, 1), y * 255 / max(h - 1, 1), (x + y) * 127 / max(h + w - 2, 1)], axis=-1)
    return np.clip(base + rng.normal(0, 18, (h, w, 3)), 0, 255).astype(np.uint8)


def gen_folder():
    shutil.rmtree(FOLDER, ignore_errors=True)
    for d in ["a_cat", "b_dog/nested", "c_bird"]:
        os.makedirs(os.path.join(FOLDER, d))
    Image.fromarray(picture(5, 7, 1)).save(os.path.join(FOLDER, "b_dog", "rgb.png"))
    Image.fromarray(picture(4, 6, 2)[:, :, 0]).save(os.path.join(FOLDER, "b_dog", "nested", "gray.png"))
    Image.fromarray(picture(12, 16, 3)).save(os.path.join(FOLDER, "b_dog", "q90_444.jpg"), quality=90, subsampling=0)
    rgba = np.concatenate([picture(5, 5, 4), np.arange(25, dtype=np.uint8).reshape(5, 5, 1) * 10], axis=-1)
    Image.fromarray(rgba, "RGBA").save(os.path.join(FOLDER, "a_cat", "rgba.png"))
    Image.fromarray(picture(3, 6, 5)).quantize(colors=5).save(os.path.join(FOLDER, "a_cat", "palette.png"))
    Image.fromarray(picture(13, 17, 6)).save(os.path.join(FOLDER, "a_cat", "UPPER.JPEG"), quality=75, subsampling=2)
    Image.fromarray(picture(7, 9, 7)[:, :, 1]).save(os.path.join(FOLDER, "c_bird", "gray.jpg"), quality=85)
    with open(os.path.join(FOLDER, "a_cat", "notes.txt"), "w") as f:
        f.write("not an image\n")
    with open(os.path.join(FOLDER, "readme.txt"), "w") as f:
        f.write("not a class folder\n")

    ds = torchvision.datasets.ImageFolder(FOLDER)
    rel = lambda p: os.path.relpath(p, FOLDER)
    write("folder.json", {
        "classes": ds.classes,
        "class_to_idx": ds.class_to_idx,
        "samples": [[rel(p), t] for p, t in ds.samples],
        "targets": ds.targets,
        "extensions": list(torchvision.datasets.folder.IMG_EXTENSIONS),
        "images": {rel(p): arr(np.array(ds.loader(p))) for p, _ in ds.samples},
        "to_tensor": {rel(p): arr(TF.to_tensor(ds.loader(p))) for p, _ in ds.samples},
    })


def gen_transforms():
    torch.manual_seed(0)
    cases = []

    def case(op, x, args, y):
        cases.append({"op": op, "input": arr(x), "args": args, "output": arr(y)})

    f = torch.rand(3, 9, 13)
    u = (torch.rand(3, 9, 13) * 256).floor().to(torch.uint8)
    big = torch.rand(2, 3, 24, 20)  # a batch: one resize for all
    for x in [f, u]:
        for size in [[5, 7], [18, 26], [9, 13], [4, 30], [7], [12], [3, 3], [1, 1]]:
            for mode in ["bilinear", "nearest"]:
                y = TF.resize(x, size, interpolation=InterpolationMode(mode), antialias=False)
                case("resize", x, {"size": size, "interpolation": mode}, y)
        case("resize", x, {"size": [6], "interpolation": "bilinear", "maxSize": 7},
             TF.resize(x, [6], max_size=7, antialias=False))
        for size in [[5, 7], [4, 4], [9, 13], [11, 16], [2, 12], [10, 1], [6]]:
            case("centerCrop", x, {"size": size}, TF.center_crop(x, size))
        for padding, mode in [([1], "constant"), ([2, 1], "edge"), ([1, 2, 3, 4], "reflect"), ([3, 0, 2, 5], "symmetric"), ([2], "constant")]:
            fill = 0.5 if x.dtype == torch.float32 and mode == "constant" and padding == [2] else 0
            if x.dtype == torch.uint8 and padding == [2]:
                fill = 7
            case("pad", x, {"padding": padding, "mode": mode, "fill": fill}, TF.pad(x, padding, fill=fill, padding_mode=mode))
        for factor in [0.0, 0.3, 1.0, 1.7, 2.5]:
            case("adjustBrightness", x, {"factor": factor}, TF.adjust_brightness(x, factor))
            case("adjustContrast", x, {"factor": factor}, TF.adjust_contrast(x, factor))
            case("adjustSaturation", x, {"factor": factor}, TF.adjust_saturation(x, factor))
        for factor in [-0.5, -0.31, -0.05, 0.0, 0.12, 0.25, 0.5]:
            case("adjustHue", x, {"factor": factor}, TF.adjust_hue(x, factor))
    g = f[:1]  # one channel
    case("adjustContrast", g, {"factor": 0.6}, TF.adjust_contrast(g, 0.6))
    case("adjustBrightness", g, {"factor": 1.4}, TF.adjust_brightness(g, 1.4))
    # Grays and saturated colours: the hue's special cases (max == min, max == r == g).
    special = torch.tensor([[0.0, 1.0, 0.5, 0.2, 1.0, 0.0], [0.0, 1.0, 0.5, 0.2, 1.0, 1.0], [0.0, 1.0, 0.5, 0.9, 0.0, 0.0]]).view(3, 2, 3)
    for factor in [-0.4, 0.2]:
        case("adjustHue", special, {"factor": factor}, TF.adjust_hue(special, factor))
    for size in [[11, 9], [30, 23], [8]]:
        case("resize", big, {"size": size, "interpolation": "bilinear"}, TF.resize(big, size, antialias=False))
    case("centerCrop", big, {"size": [10, 10]}, TF.center_crop(big, [10, 10]))
    case("adjustHue", big, {"factor": 0.3}, TF.adjust_hue(big, 0.3))
    case("adjustContrast", big, {"factor": 0.4}, TF.adjust_contrast(big, 0.4))

    # PIL's resize of a uint8 RGB image against the tensor path on the same pixels.
    pil_diff = {}
    pic = picture(40, 50, 9)
    for size in [[20, 25], [13, 17], [80, 100], [57, 61]]:
        for mode in ["bilinear", "nearest"]:
            via_pil = np.array(TF.resize(Image.fromarray(pic), size, interpolation=InterpolationMode(mode)), dtype=np.int32)
            via_tensor = TF.resize(torch.from_numpy(pic).permute(2, 0, 1), size, interpolation=InterpolationMode(mode), antialias=False)
            pil_diff[f"{mode} 40x50 -> {size[0]}x{size[1]}"] = int(np.abs(via_pil - via_tensor.permute(1, 2, 0).numpy().astype(np.int32)).max())
    print("PIL resize vs tensor path (max |difference| in uint8 levels):", pil_diff)
    write("transforms.json", {
        "cases": cases,
        "toTensor": arr(TF.to_tensor(np.arange(256, dtype=np.uint8).reshape(16, 16, 1))),
        "pilResizeMaxDiff": pil_diff,
    })


if __name__ == "__main__":
    gen_folder()
    gen_transforms()
