#!/usr/bin/env python3
"""The status page's warning for a configuration file refused at start, in Debian's chromium
(headless, through chromedriver): it says what runs instead, which file was kept and what
to do, and lists the problems. With --hidden: the page shows no such warning.

Usage: config_banner_check.py BASE_URL REJECTED_FILE SCREENSHOT.png [--hidden]
(exit 0 and "banner: ok" when the page is as expected). Every wait is bounded.
"""
import sys, time
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
import headless_chromium

base, rejected, screenshot = sys.argv[1], sys.argv[2], sys.argv[3]
hidden = "--hidden" in sys.argv[4:]
driver, stop = headless_chromium.start("420,1400", "alived-banner-")
wait = WebDriverWait(driver, 20)
try:
    driver.get(base + "/")
    # The page fills itself from /api/v1/status: wait for the first fill.
    wait.until(lambda d: d.find_element(By.ID, "state").text in ("idle", "LIVE"))
    banner = driver.find_element(By.ID, "config-banner")
    if hidden:
        time.sleep(2)   # two more polls of the status
        assert not banner.is_displayed(), "warning shown: " + banner.text
    else:
        wait.until(lambda d: banner.is_displayed())
        text = banner.text
        for expected in ["refused at start", "running on the last configuration that was valid", rejected, "restart the box"]:
            assert expected in text, "banner lacks %r: %s" % (expected, text)
        problems = driver.find_elements(By.CSS_SELECTOR, "#config-problems li")
        assert problems and all(p.text for p in problems), "no problems listed: " + text
    driver.save_screenshot(screenshot)
    print("banner: ok", flush=True)
finally:
    stop()
