"""Data augmentation as torch operations on a whole batch, on whatever device the batch is on.

This module imports nothing but ``math`` and ``torch`` on purpose: the torchrun export copies
its source into the generated train.py, so the studio and the exported script augment the same
way. The settings are checked in data/augment.py; here they are trusted.

Every random number comes from the ``generator`` passed in (on the batch's device), so the same
seed gives the same augmented batches. A setting that is off (0 or False) changes nothing, and
with every setting off the batch itself is returned.
"""

import math

import torch
import torch.nn.functional as F

AUGMENT_KINDS = ("image", "sequence")  # the kinds of data that can be augmented


def _uniform(n, low, high, generator, device):
    """n numbers drawn evenly from [low, high)."""
    return low + (high - low) * torch.rand(n, generator=generator, device=device)


def augment_images(x, generator, flip=False, shift=0.0, crop=0.0, rotate=0.0, brightness=0.0, contrast=0.0):
    """Images [B, C, H, W]: a random horizontal flip (half of the images), a shift of up to
    ``shift`` of the width/height, a crop of up to ``crop`` of the size zoomed back to full size,
    a rotation of up to ``rotate`` degrees, and a brightness / contrast change of up to that
    share of each image's own range. Every image draws its own amounts. Pixels moved in from
    outside repeat the edge, so images scaled to any range keep their background."""
    b, device = x.shape[0], x.device
    if b == 0:
        return x
    if flip or shift or crop or rotate:
        one = torch.ones(b, device=device)
        angle = _uniform(b, -math.radians(rotate), math.radians(rotate), generator, device) if rotate else 0 * one
        zoom = _uniform(b, 1.0 - crop, 1.0, generator, device) if crop else one
        mirror = torch.where(torch.rand(b, generator=generator, device=device) < 0.5, -one, one) if flip else one
        # grid_sample's coordinates run from -1 to 1 across the image: a shift of s of the size is 2s.
        tx = _uniform(b, -2 * shift, 2 * shift, generator, device) if shift else 0 * one
        ty = _uniform(b, -2 * shift, 2 * shift, generator, device) if shift else 0 * one
        cos, sin = torch.cos(angle) * zoom, torch.sin(angle) * zoom
        theta = torch.stack([torch.stack([cos * mirror, -sin, tx], 1),
                             torch.stack([sin * mirror, cos, ty], 1)], 1).to(x.dtype)
        grid = F.affine_grid(theta, list(x.shape), align_corners=False)
        x = F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)
    if brightness or contrast:
        flat = x.reshape(b, -1)
        shape = (b,) + (1,) * (x.dim() - 1)
        if contrast:
            mean = flat.mean(1).reshape(shape)
            x = mean + (x - mean) * _uniform(b, 1.0 - contrast, 1.0 + contrast, generator, device).reshape(shape)
        if brightness:
            spread = (flat.amax(1) - flat.amin(1)).reshape(shape)
            x = x + spread * _uniform(b, -brightness, brightness, generator, device).reshape(shape)
    return x


def augment_series(x, generator, jitter=0.0, scale=0.0, time_shift=0.0, window=1.0):
    """Series [B, T, F]: window slicing (a random window of ``window`` of the length stretched
    back to the whole length), a time shift of up to ``time_shift`` of the length (the edge value
    fills in), scaling of every channel by up to ``scale`` either way, and jitter: noise of
    ``jitter`` times each channel's spread. The length never changes."""
    b, device = x.shape[0], x.device
    if b == 0 or x.dim() != 3:
        return x
    t = x.shape[1]
    if t > 1 and (window < 1.0 or time_shift):
        steps = torch.arange(t, device=device, dtype=torch.float32)
        span = (t - 1) * window  # the window's length in steps, minus one
        start = _uniform(b, 0.0, (t - 1) - span, generator, device) if window < 1.0 else torch.zeros(b, device=device)
        pos = start[:, None] + steps[None, :] * (span / (t - 1))
        if time_shift:
            most = math.floor(time_shift * t)
            moved = torch.randint(-most, most + 1, (b,), generator=generator, device=device).float()
            pos = pos - moved[:, None]
        pos = pos.clamp(0, t - 1)
        lo = pos.floor().long().clamp(max=t - 1)
        hi = (lo + 1).clamp(max=t - 1)
        w = (pos - lo.float()).to(x.dtype)[:, :, None]
        feats = x.shape[2]
        x_lo = torch.gather(x, 1, lo[:, :, None].expand(b, t, feats))
        x_hi = torch.gather(x, 1, hi[:, :, None].expand(b, t, feats))
        x = x_lo + (x_hi - x_lo) * w
    if scale:
        x = x * _uniform(b * x.shape[2], 1.0 - scale, 1.0 + scale, generator, device).reshape(b, 1, -1).to(x.dtype)
    if jitter:
        spread = x.float().std(dim=(0, 1), keepdim=True) if b * t > 1 else torch.ones(1, 1, x.shape[2], device=device)
        noise = torch.randn(x.shape, generator=generator, device=device)
        x = x + (noise * spread.clamp(min=1e-6) * jitter).to(x.dtype)
    return x


def augment_batch(x, kind, settings, generator):
    """The augmentation ``settings`` (a dict of one kind's settings) for a batch of ``kind``
    ("image" or "sequence"); other kinds, and settings that are all off, leave the batch as it is."""
    if not settings or kind not in AUGMENT_KINDS:
        return x
    with torch.no_grad():
        if kind == "image":
            return augment_images(x, generator, **settings)
        return augment_series(x, generator, **settings)
