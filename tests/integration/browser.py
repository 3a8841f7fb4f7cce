"""A real browser for the tests: Debian's headless Chromium, driven through chromium-driver by
python3-selenium. A test that needs one and finds none is skipped (in CI: failed)."""
import os
import shutil
import tempfile
import unittest

try:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By  # noqa: F401 (for the tests)
except ImportError:  # python3-selenium is missing: browser() says so
    webdriver = None

CHROMIUM = "/usr/bin/chromium"
DRIVER = "/usr/bin/chromedriver"


def missing():
    """Why no browser can start here, or None."""
    if webdriver is None:
        return "python3-selenium is not installed"
    for path in (CHROMIUM, DRIVER):
        if not os.access(path, os.X_OK):
            return f"{path} is missing (apt-get install chromium chromium-driver)"
    return None


class Browser:
    """A headless Chromium window of `width` x `height` CSS pixels in its own profile, with
    the language `lang`; closed on exit."""

    def __init__(self, width=1280, height=900, lang="en"):
        why = missing()
        if why:
            raise unittest.SkipTest(why)
        self.profile = tempfile.mkdtemp(prefix="ackd-chromium-")
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--no-first-run", "--disable-extensions", "--disable-background-networking",
                    f"--window-size={width},{height}", f"--lang={lang}",
                    f"--user-data-dir={self.profile}"):
            options.add_argument(arg)
        options.add_experimental_option("prefs", {"intl.accept_languages": lang})
        self.driver = webdriver.Chrome(service=Service(DRIVER), options=options)
        self.driver.set_page_load_timeout(30)

    def __enter__(self):
        return self.driver

    def __exit__(self, *exc):
        try:
            self.driver.quit()
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)

    @staticmethod
    def full_page_screenshot(driver, path, width):
        """A PNG of the whole page at `width` CSS pixels (the window grows to its height)."""
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(width, height + 120)
        driver.save_screenshot(path)
