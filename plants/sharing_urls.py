"""Sharing, invitations and kiosk links (the sharing issue fills this in)."""

urlpatterns: list = []
