"""Test support code shared by several test modules (the headless-Chromium harness)."""
