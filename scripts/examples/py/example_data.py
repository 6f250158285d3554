"""What the fixture scripts of mnist_main and cifar10_tutorial share: the small synthetic data
sets (MNIST's IDX files, CIFAR-10's batches) computed from an integer hash that
test/helpers/example-data.ts computes too (the tests write the same bytes; a digest checks it),
and samples of weights for the fixtures.
"""
import hashlib
import numpy as np

M32 = 0xFFFFFFFF


def mix32(x):
    """lowbias32 over a uint32 numpy array (wrapping arithmetic, as Math.imul)."""
    x = np.asarray(x, dtype=np.uint32)
    x = x ^ (x >> np.uint32(16))
    x = (x.astype(np.uint64) * 0x7FEB352D & M32).astype(np.uint32)
    x = x ^ (x >> np.uint32(15))
    x = (x.astype(np.uint64) * 0x846CA68B & M32).astype(np.uint32)
    return x ^ (x >> np.uint32(16))


def stream(key, start, n):
    """n uint32 values: mix32((start + i) ^ mix32(key)) for i in [0, n)."""
    k = int(mix32(np.array([key], dtype=np.uint32))[0])
    i = (np.arange(start, start + n, dtype=np.uint64) & M32).astype(np.uint32)
    return mix32(i ^ np.uint32(k))


# ------------------------------------------------------------------------------------- data

def synthetic_images(key, count, channels, size, cycle=False):
    """count images (uint8, [count, channels*size*size]) and labels 0..9 (hashed, or 0, 1, ..., 9,
    0, ... when cycle): noise plus a brighter stripe whose place depends on the label, so that
    the nets learn something."""
    labels = (np.arange(count) % 10 if cycle else stream(key, 0, count) % 10).astype(np.uint8)
    plane = size * size
    noise = (stream(key + 1, 0, count * channels * plane) % 128).astype(np.int64)
    images = noise.reshape(count, channels, size, size)
    col = np.arange(size)
    for n in range(count):
        lab = int(labels[n])
        stripe = (col // 2) % 10 == lab                       # columns 2*lab, 2*lab+1, +20, +21
        images[n, (n % channels), 4:size - 4, :] += np.where(stripe, 64, 0)
    return images.reshape(count, -1).astype(np.uint8), labels


def idx_bytes(array, dims):
    """An IDX file (big-endian header, ubyte data)."""
    head = bytes([0, 0, 8, len(dims)]) + b''.join(int(d).to_bytes(4, 'big') for d in dims)
    return head + np.asarray(array, dtype=np.uint8).tobytes()


def mnist_files(train_count, test_count):
    """{file name: bytes} for MNIST/raw (uncompressed, as torchvision leaves them)."""
    tr_x, tr_y = synthetic_images(100, train_count, 1, 28)
    te_x, te_y = synthetic_images(200, test_count, 1, 28)
    return {
        'train-images-idx3-ubyte': idx_bytes(tr_x, [train_count, 28, 28]),
        'train-labels-idx1-ubyte': idx_bytes(tr_y, [train_count]),
        't10k-images-idx3-ubyte': idx_bytes(te_x, [test_count, 28, 28]),
        't10k-labels-idx1-ubyte': idx_bytes(te_y, [test_count]),
    }


def cifar_batches(per_file, test_count):
    """[(name, images uint8 [n, 3072], labels uint8 [n])]: data_batch_1..5 and test_batch."""
    out = []
    for f in range(1, 6):
        out.append(('data_batch_%d' % f,) + synthetic_images(300 + f, per_file, 3, 32))
    out.append(('test_batch',) + synthetic_images(400, test_count, 3, 32, cycle=True))  # every class
    return out


def digest(chunks):
    """sha256 over byte strings, to check that the test wrote the very same data."""
    h = hashlib.sha256()
    for c in chunks:
        h.update(c)
    return h.hexdigest()


def samples(t, count=16):
    """count values at evenly spread flat positions, plus the sum and sum of |.| in float64."""
    flat = t.detach().reshape(-1).double()
    n = flat.numel()
    idx = [(i * n) // count for i in range(count)]
    return {'index': idx, 'values': [float(flat[i]) for i in idx],
            'sum': float(flat.sum()), 'absSum': float(flat.abs().sum())}
