"""Printed cards as a cheap counter webcam films them: the frames the card read-back test, the
demo's camera folder and `bench ui` share.

The printed PDF (kiosk.printing.cards_pdf) is rendered at printer-like resolution, each card is
cut out (`card_images`) and then filmed (`film`) by a simulated 640x480 webcam: the card a
hand's length away (260-480 px wide, so a QR module is 2.6-4 px), tilted (perspective) and
turned up to 30 degrees, crumpled (a smooth random displacement field with light and shade from
its slopes), a thumb over one corner, a glare spot, out of focus or moving, in a dim shop with
low contrast and sensor noise, and finally MJPEG-compressed like a webcam stream. Every frame
gets all of these at once, with random strength in ranges a real counter sees (`shot_for`);
seeds are fixed so a frame can be made again.

Rendering the PDF needs pypdfium2 (in the `server` and `dev` extras); the rest is OpenCV and
NumPy. No Qt, no database.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import zxingcpp

from kiosk.printing.cards_pdf import CARD_H, CARD_W, PrintableCard, card_slots, render_cards_pdf

__all__ = [
    "DPI",
    "FRAME_H",
    "FRAME_W",
    "PX_PER_MM",
    "Image",
    "Shot",
    "background",
    "card_images",
    "crumple",
    "decode",
    "film",
    "shot_for",
    "smooth_field",
    "thumb",
    "write_frame",
]

DPI = 200  # an office printer prints at 300-600; 200 keeps every module edge crisp and is fast
PX_PER_MM = DPI / 25.4
FRAME_W, FRAME_H = 640, 480

Image = np.ndarray
QR_ONLY = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)


@dataclass(frozen=True)
class Shot:
    """The random choices for one frame (kept for a failure message)."""

    seed: int
    width_px: float
    angle: float
    tilt: float
    crumple_mm: float
    slant: float
    thumb_corner: int
    glare: float
    blur: float
    motion: float
    gain: float
    contrast: float
    noise: float
    jpeg: int


def card_images(items: Sequence[PrintableCard]) -> list[Image]:
    """Each card of `items` as printed: the PDF rendered at DPI, cut out along its slot (BGR)."""
    import pypdfium2 as pdfium  # type: ignore[import-untyped]

    pdf = pdfium.PdfDocument(render_cards_pdf(items))
    try:
        pages = [
            cv2.cvtColor(np.asarray(pdf[i].render(scale=DPI / 72).to_pil()), cv2.COLOR_RGB2BGR)
            for i in range(len(pdf))
        ]
    finally:
        pdf.close()
    crops = []
    for slot in card_slots(len(items)):
        x, y = round(slot.x * PX_PER_MM), round(slot.y * PX_PER_MM)
        w, h = round(CARD_W * PX_PER_MM), round(CARD_H * PX_PER_MM)
        crops.append(pages[slot.page][y : y + h, x : x + w].copy())
    return crops


# --- the camera -----------------------------------------------------------------------------
def smooth_field(rng: np.random.Generator, h: int, w: int, cells: int) -> Image:
    """Smooth random values in [-1, 1]: coarse noise, upsampled with bicubic interpolation."""
    coarse = rng.uniform(-1, 1, size=(cells, max(2, round(cells * w / h)))).astype(np.float32)
    return cv2.resize(coarse, (w, h), interpolation=cv2.INTER_CUBIC)


def crumple(card: Image, rng: np.random.Generator, height_mm: float, slant: float) -> Image:
    """A crumpled, then flattened card, seen from an angle.

    The paper gets a smooth random height field (bumps of up to `height_mm`, creases about
    15 mm apart). A camera sees a bump of height z displaced sideways by z * (off-axis
    distance / camera distance) plus z * sin(tilt): `slant` is that factor, 0.1-0.5 for a card
    held 15-25 cm from the lens, up to 8 cm off the axis and tilted up to 25 degrees. The
    slopes catch the light: brighter on one side of a crease, darker on the other.
    """
    h, w = card.shape[:2]
    z = smooth_field(rng, h, w, 4) * height_mm  # mm
    direction = rng.uniform(0, 2 * math.pi)
    shift_px = z * slant * PX_PER_MM
    dx, dy = shift_px * math.cos(direction), shift_px * math.sin(direction)
    xs, ys = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    out = cv2.remap(
        card, xs + dx, ys + dy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    ).astype(np.float32)
    gy, gx = np.gradient(z, 1 / PX_PER_MM)  # slope, mm per mm
    light = rng.uniform(0, 2 * math.pi)
    slope = gx * math.cos(light) + gy * math.sin(light)
    shade = np.asarray(1.0 + np.clip(slope * 1.5, -0.3, 0.2))
    shaded: Image = np.clip(out * shade[..., None], 0, 255).astype(np.uint8)
    return shaded


def thumb(
    img: Image, rng: np.random.Generator, corner: np.ndarray, centre: np.ndarray, px_per_mm: float
) -> None:
    """A thumb holding the card at one corner, drawn into the frame (so it also sticks out
    past the card's edge): a shaded skin-coloured ellipse, about 20 mm wide.

    Its tip reaches 12-17 mm from the card's corner towards the card's middle (give or take
    20 degrees): it covers the corner as a real grip does. The card is laid out so that this
    does not reach the QR code.
    """
    h, w = img.shape[:2]
    reach = rng.uniform(12, 17) * px_per_mm
    half_w = rng.uniform(9, 11) * px_per_mm
    half_l = rng.uniform(22, 28) * px_per_mm
    toward = centre - corner
    inward = math.atan2(toward[1], toward[0]) + rng.uniform(-0.35, 0.35)
    cx = corner[0] + math.cos(inward) * (reach - half_l)
    cy = corner[1] + math.sin(inward) * (reach - half_l)
    # Drawn at a quarter of the resolution and scaled up: a thumb has no sharp detail.
    q = 4
    small = np.zeros((h // q, w // q), np.float32)
    cv2.ellipse(
        small,
        (round(cx / q), round(cy / q)),
        (round(half_l / q), round(half_w / q)),
        math.degrees(inward),
        0,
        360,
        1.0,
        -1,
        cv2.LINE_AA,
    )
    small = cv2.GaussianBlur(small, (0, 0), 0.7)
    # Shade the thumb so it is not a flat blob: darker towards its edge.
    core = cv2.GaussianBlur(small, (0, 0), 3)
    mask = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)[..., None]
    core = cv2.resize(core, (w, h), interpolation=cv2.INTER_LINEAR)[..., None]
    skin = np.array(
        [rng.uniform(90, 150), rng.uniform(130, 180), rng.uniform(190, 235)], np.float32
    )
    img *= 1 - mask
    img += skin * (0.7 + 0.3 * core) * mask


def background(rng: np.random.Generator) -> Image:
    """A counter top: a coloured gradient with grain."""
    base = rng.uniform(60, 170, size=3).astype(np.float32)
    ramp = np.linspace(-1, 1, FRAME_W, dtype=np.float32)[None, :, None] * rng.uniform(10, 40)
    grain = smooth_field(rng, FRAME_H, FRAME_W, 40)[..., None] * 12
    img = base[None, None, :] + ramp + grain
    counter: Image = np.clip(img, 0, 255).astype(np.uint8)
    return counter


def film(card: Image, shot: Shot) -> Image:
    """`card` (from card_images) filmed as `shot` says: one 640x480 BGR frame."""
    rng = np.random.default_rng(shot.seed)
    card = crumple(card, rng, shot.crumple_mm, shot.slant)
    # A sensor pixel averages the light over its area: shrink with INTER_AREA to the size the
    # card has in the frame, then the perspective warp only resamples at about 1:1.
    scale = shot.width_px / card.shape[1]
    card = cv2.resize(card, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    h, w = card.shape[:2]
    scale = 1.0

    # Where the card's corners land in the frame: turned, tilted, somewhere in view.
    a = math.radians(shot.angle)
    corners = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32) - [w / 2, h / 2]
    corners *= scale
    # Tilt: one edge of the card further from the camera than the opposite one.
    edge = rng.integers(4)
    shrink = 1 - shot.tilt
    for i in (edge, (edge + 1) % 4):
        corners[i] *= shrink
    corners += rng.normal(0, 0.02 * shot.width_px, size=corners.shape)  # hand-held wobble
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]], np.float32)
    corners = corners @ rot.T
    span = corners.max(axis=0) - corners.min(axis=0)
    room = np.maximum(np.array([FRAME_W, FRAME_H], np.float32) - span, 1)
    offset = -corners.min(axis=0) + rng.uniform(0, 1, 2) * room
    corners = (corners + offset).astype(np.float32)
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    matrix = cv2.getPerspectiveTransform(src, corners)

    frame = background(rng)
    cv2.warpPerspective(
        card,
        matrix,
        (FRAME_W, FRAME_H),
        dst=frame,
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_TRANSPARENT,
    )
    img: Image = frame.astype(np.float32)
    thumb(img, rng, corners[shot.thumb_corner], corners.mean(axis=0), shot.width_px / CARD_W)

    # Glare: a bright soft spot somewhere on the card (a shop's ceiling light).
    centre = corners[rng.integers(4)] * 0.5 + corners.mean(axis=0) * 0.5
    gx, gy = centre + rng.normal(0, 0.15 * shot.width_px, 2)
    radius = shot.width_px * rng.uniform(0.06, 0.12)
    x0, x1 = max(0, int(gx - 3 * radius)), min(FRAME_W, int(gx + 3 * radius) + 1)
    y0, y1 = max(0, int(gy - 3 * radius)), min(FRAME_H, int(gy + 3 * radius) + 1)
    if x0 < x1 and y0 < y1:
        yy, xx = np.mgrid[y0:y1, x0:x1].astype(np.float32)
        spot = np.exp(-((xx - gx) ** 2 + (yy - gy) ** 2) / (2 * radius**2))
        img[y0:y1, x0:x1] += (shot.glare * spot)[..., None]
    np.clip(img, 0, 255, out=img)

    # Optics: defocus, sometimes a small motion smear.
    img = np.asarray(cv2.GaussianBlur(img, (0, 0), shot.blur), dtype=np.float32)
    if shot.motion > 0.5:
        # A line `motion` px long in a random direction, drawn 8x larger and scaled down so
        # that fractional lengths blur by fractional amounts.
        size = 2 * math.ceil(shot.motion / 2) + 1
        big = np.zeros((size * 8, size * 8), np.float32)
        turn = rng.uniform(0, math.pi)
        half = shot.motion * 4 * np.array([math.cos(turn), math.sin(turn)])
        centre = np.array([size * 4, size * 4])
        p1, p2 = (centre - half).round().astype(int), (centre + half).round().astype(int)
        cv2.line(big, tuple(int(v) for v in p1), tuple(int(v) for v in p2), 1.0, 8, cv2.LINE_AA)
        kernel = cv2.resize(big, (size, size), interpolation=cv2.INTER_AREA)
        img = np.asarray(cv2.filter2D(img, -1, kernel / kernel.sum()), dtype=np.float32)

    # Dim shop, washed-out contrast, sensor noise (worse in the dark), MJPEG.
    img *= shot.contrast * shot.gain
    img += 128 * (1 - shot.contrast) * shot.gain
    img += rng.standard_normal(img.shape, dtype=np.float32) * shot.noise
    img = np.clip(img, 0, 255, out=img).astype(np.uint8)
    ok, jpeg = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, shot.jpeg])
    if not ok:
        raise ValueError("could not encode the frame as JPEG")
    seen = cv2.imdecode(jpeg, cv2.IMREAD_COLOR)
    if seen is None:
        raise ValueError("could not decode the frame's JPEG")
    return seen


def shot_for(index: int) -> Shot:
    """The shot of frame `index`: the same every time for the same index."""
    r = random.Random(index)
    # A third of the frames turned by exactly 30 degrees, the rest anywhere within it.
    angle = r.choice([-30.0, 30.0]) if index % 3 == 0 else r.uniform(-30, 30)
    gain = r.uniform(0.45, 1.0)
    return Shot(
        seed=index,
        width_px=r.uniform(300, 480),  # the card fills half to three quarters of the width
        angle=angle,
        tilt=r.uniform(0.0, 0.2),
        crumple_mm=r.uniform(0.3, 1.0),
        slant=r.uniform(0.05, 0.35),
        thumb_corner=r.randrange(4),
        glare=r.uniform(40, 140),
        blur=r.uniform(0.5, 1.0),
        motion=r.uniform(0, 2.0),  # px: a card held still by hand, 1/60 s exposure
        gain=gain,
        contrast=r.uniform(0.5, 0.9),
        noise=r.uniform(2, 4) / gain,
        jpeg=r.randrange(70, 91),
    )


def decode(frame: Image) -> list[str]:
    """The texts of the QR codes zxing-cpp finds in `frame`."""
    return [b.text for b in zxingcpp.read_barcodes(frame, formats=QR_ONLY)]


def write_frame(path: str | Path, frame: Image) -> Path:
    """Save a frame as JPEG (what a webcam stream carries); the folder must exist."""
    target = Path(path)
    ok, data = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 92])
    if not ok:
        raise ValueError(f"could not encode a frame for {target}")
    target.write_bytes(data.tobytes())
    return target
