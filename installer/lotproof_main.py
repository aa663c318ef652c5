"""Entry point of the packaged application: `lotproof` (the workstation) and every CLI verb."""

from app import frozen

frozen.configure()

from app.cli import main  # noqa: E402  (after the bundle's Tesseract is configured)

raise SystemExit(main())
