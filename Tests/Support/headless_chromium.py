"""Debian's chromium, headless, through chromedriver: the browser the page tests drive.

`start(window, prefix)` returns the driver and a `stop()` that quits it and removes its
scratch folder. Chromium leaves its profile-lock folder (org.chromium.Chromium.*) in
$TMPDIR when chromedriver stops it, so it gets a folder of its own, removed by `stop()`.
"""
import os, shutil, tempfile
from selenium import webdriver
from selenium.webdriver.chrome.service import Service


def start(window, prefix):
    options = webdriver.ChromeOptions()
    for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=" + window,
                 "--no-first-run", "--disable-background-networking", "--disable-component-update"]:
        options.add_argument(flag)
    options.binary_location = "/usr/bin/chromium"
    scratch = tempfile.mkdtemp(prefix=prefix)
    try:
        driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver", env={**os.environ, "TMPDIR": scratch}), options=options)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    driver.set_page_load_timeout(20)

    def stop():
        driver.quit()
        shutil.rmtree(scratch, ignore_errors=True)

    return driver, stop
