#!/usr/bin/env python3
"""Drives the status page in Debian's chromium (headless, through chromedriver) like a
technician on a laptop: set the password, log in, watch the thumbnail and the bitrate,
change the segment length, get a field error for a bad value. Saves a screenshot.

Usage: page_check.py BASE_URL SCREENSHOT.png [--publishing]   (exit 0 when every step passed)
With --publishing (a box with storage and a ledger): the storage and publishing state
shows segments going out, and the End stream button, once confirmed, ends the stream.
Every wait is bounded.
"""
import sys, time
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
import headless_chromium

base, screenshot = sys.argv[1], sys.argv[2]
publishing = "--publishing" in sys.argv[3:]
driver, stop = headless_chromium.start("420,1800", "alived-page-")
wait = WebDriverWait(driver, 20)


def step(name):
    print("page:", name, flush=True)


try:
    driver.get(base + "/")
    step("first start asks for a password")
    wait.until(lambda d: d.find_element(By.ID, "auth-submit").text == "Set password")
    driver.find_element(By.ID, "password").send_keys("page password 1")
    driver.find_element(By.ID, "auth-submit").click()
    step("logged in: settings visible")
    wait.until(lambda d: d.find_element(By.ID, "auth").get_attribute("class") == "hidden")
    wait.until(lambda d: d.find_element(By.ID, "f-segments.seconds").is_displayed())
    assert driver.find_element(By.ID, "rtmp-url").text.startswith("rtmp://"), "no RTMP URL"

    step("the stream shows as live with a moving bitrate")
    wait.until(lambda d: d.find_element(By.ID, "state").text == "LIVE")
    wait.until(lambda d: d.find_element(By.ID, "bitrate").text.startswith("in: ") and not d.find_element(By.ID, "bitrate").text.startswith("in: 0 "))
    first = driver.find_element(By.ID, "graph-line").get_attribute("points")
    wait.until(lambda d: d.find_element(By.ID, "graph-line").get_attribute("points") != first)

    step("the thumbnail of the latest keyframe loads")
    wait.until(lambda d: d.execute_script("const i = document.getElementById('thumb'); return i.complete && i.naturalWidth > 0"))

    step("a bad segment length shows a field error")
    field = driver.find_element(By.ID, "f-segments.seconds")
    field.clear(); field.send_keys("30")
    driver.find_element(By.ID, "save-config").click()
    wait.until(lambda d: "1...10" in d.find_element(By.ID, "e-segments.seconds").text)

    step("a good segment length is saved and applied")
    field = driver.find_element(By.ID, "f-segments.seconds")
    field.clear(); field.send_keys("4")
    driver.find_element(By.ID, "save-config").click()
    wait.until(lambda d: d.find_element(By.ID, "config-result").text.startswith("Saved."))
    assert driver.find_element(By.ID, "e-segments.seconds").text == "", "field error left after a good save"

    step("recent log lines are shown")
    wait.until(lambda d: "segment closed" in d.find_element(By.ID, "logs").text)

    if publishing:
        step("storage and publishing show segments going out")
        wait.until(lambda d: d.find_element(By.ID, "publishing-section").is_displayed())
        wait.until(lambda d: "running on hive" in d.find_element(By.ID, "publishing").text)
        wait.until(lambda d: "Last transaction" in d.find_element(By.ID, "publishing").text)
        assert "Stored" in driver.find_element(By.ID, "storage").text, "no storage state"
        step("ending the stream asks first, then shows the transaction")
        driver.find_element(By.ID, "stream-end").click()
        WebDriverWait(driver, 10).until(lambda d: d.switch_to.alert)
        driver.switch_to.alert.dismiss()
        time.sleep(0.5)
        assert driver.find_element(By.ID, "stream-result").text == "", "a dismissed confirmation still did something"
        driver.find_element(By.ID, "stream-end").click()
        WebDriverWait(driver, 10).until(lambda d: d.switch_to.alert)
        driver.switch_to.alert.accept()
        WebDriverWait(driver, 90).until(lambda d: d.find_element(By.ID, "stream-result").text.startswith("Done: transaction "))
        wait.until(lambda d: "Stream ended" in d.find_element(By.ID, "publishing").text)
    driver.save_screenshot(screenshot)
    step("ok")
finally:
    stop()
