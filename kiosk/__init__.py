"""Heitje: a city's neighbourhood-chore coin — kiosk, counter and desk application."""

__version__ = "0.1.0"
