"""The stylesheet and the script must be found by Django's staticfiles finders."""

import pytest
from django.contrib.staticfiles import finders


@pytest.mark.parametrize("path", ["kunde/app.css", "kunde/app.js"])
def test_the_static_files_are_found(path):
    assert finders.find(path)
