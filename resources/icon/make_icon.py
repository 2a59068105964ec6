"""Makes kiosk/resources/icon/heitje.png: the app's icon (a coin with an H), 256 px.

    .venv/bin/python resources/icon/make_icon.py
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

OUT = Path(__file__).resolve().parents[2] / "kiosk" / "resources" / "icon" / "heitje.png"
BLUE, GOLD, DARK = (11, 94, 168, 255), (240, 190, 60, 255), (60, 40, 0, 255)


def main() -> None:
    size = 256
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((8, 8, size - 8, size - 8), fill=GOLD, outline=BLUE, width=14)
    draw.ellipse((40, 40, size - 40, size - 40), outline=DARK, width=4)
    try:
        font = ImageFont.truetype("DejaVuSans-Bold.ttf", 120)
    except OSError:
        font = ImageFont.load_default()
    draw.text((size / 2, size / 2), "H", fill=DARK, font=font, anchor="mm")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    image.save(OUT)


if __name__ == "__main__":
    main()
