"""The page in a real browser: headless Chromium (Debian's chromium + chromium-driver), driven
by Selenium, against ``tamrin playground`` running in a subprocess.

It loads the page, picks the deep-sigmoid scenario, starts training and checks what a student
would see: the loss curve has points, the decision-boundary image changes, the gradient plot
shows the first layer's norm below 1e-3 of the last layer's, the views refresh at least
``MIN_UPDATE_RATE`` times a second; then a bad value gets a clear message in the page, and
a second tab gets a session of its own. A screenshot goes to the test's tmp_path (and, with
TAMRIN_PLAYGROUND_SCREENSHOT=FILE, to FILE too: that is how docs/playground.png is made).
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from .conftest import process_tree, served

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None,
    reason="Chromium and its driver are not installed (Debian: apt-get install chromium "
           "chromium-driver); CI installs them")

CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu",
                  "--disable-background-networking", "--no-first-run",
                  "--disable-component-update", "--disable-sync", "--window-size=1500,1250")
MIN_UPDATE_RATE = 5.0        # views per second, the floor
TRAIN_SECONDS = 5.0
WAIT_S = 60.0


@pytest.fixture
def browser(tmp_path):
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    yield driver
    driver.quit()


def wait_for(driver, script: str, timeout: float = WAIT_S):
    """Run ``script`` (a JS expression) until it is truthy; returns its value."""
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout, poll_frequency=0.1).until(
        lambda d: d.execute_script(f"return {script};"))


BOUNDARY_IMAGE = "document.querySelector('#boundary canvas').toDataURL()"
LAST_VALUE = "(s) => s.filter((v) => v != null).at(-1)"


def test_deep_sigmoid_scenario_in_chromium(browser, tmp_path):
    from selenium.webdriver.common.by import By

    with served(tmp_path / "server.log") as (url, server):
        browser.get(url)
        wait_for(browser, "window.playground && playground.session.version")
        browser.find_element(By.CSS_SELECTOR, 'button[data-scenario="deep-sigmoid"]').click()
        wait_for(browser, "playground.history.layers === 10 && playground.session.seq >= 1")
        assert "vanishing-gradients" in browser.find_element(By.ID, "scenario-info").text
        before = browser.execute_script(f"return {BOUNDARY_IMAGE};")

        browser.find_element(By.ID, "run").click()
        wait_for(browser, "playground.session.status === 'running'")
        time.sleep(TRAIN_SECONDS)
        rate = browser.execute_script("return playground.stats.rate;")
        browser.find_element(By.ID, "run").click()               # pause
        wait_for(browser, "playground.session.status === 'paused'")

        loss_points = browser.execute_script(
            "return playground.history.loss.data[2].filter((v) => v != null).length;")
        assert loss_points >= 10
        assert browser.execute_script(f"return {BOUNDARY_IMAGE};") != before
        first, last = browser.execute_script(
            f"const d = playground.history.grads.data, last = {LAST_VALUE};"
            "return [last(d[1]), last(d[d.length - 1])];")
        print(f"views {rate:.1f}/s, {loss_points} loss points, first/last layer gradient "
              f"{first / last:.1e}")
        assert first < 1e-3 * last, (first, last)
        assert rate >= MIN_UPDATE_RATE, f"the views refreshed {rate:.1f} times a second"
        screenshot(browser, tmp_path)

        bad_input_gets_a_message(browser)
        a_second_tab_has_its_own_session(browser)
        closing_a_tab_ends_its_session(browser, server.pid)
        a_dropped_session_is_replaced(browser)


def bad_input_gets_a_message(browser) -> None:
    from selenium.webdriver.common.by import By

    lr = browser.find_element(By.NAME, "lr")
    lr.clear()                          # (this may already send "" and get its own message)
    lr.send_keys("-1")
    browser.execute_script("arguments[0].dispatchEvent(new Event('change'));", lr)
    expected = "learning rate must be > 0"
    deadline, message = time.monotonic() + WAIT_S, ""
    while expected not in message and time.monotonic() < deadline:
        time.sleep(0.1)
        message = browser.execute_script(
            "const m = document.getElementById('message'); return m.hidden ? '' : m.textContent;")
    assert expected in message, message
    assert "invalid" in lr.find_element(By.XPATH, "..").get_attribute("class")


def a_second_tab_has_its_own_session(browser) -> None:
    from selenium.webdriver.common.by import By

    first, url = browser.execute_script("return playground.session.id;"), browser.current_url
    browser.switch_to.new_window("tab")
    browser.get(url)
    second = wait_for(browser, "window.playground && playground.session.version && "
                               "playground.session.id")
    assert second != first
    browser.find_element(By.ID, "step").click()
    wait_for(browser, "playground.history.points.length >= 2")
    browser.switch_to.window(browser.window_handles[0])      # the first tab's session lives
    seq = browser.execute_script("return playground.session.seq;")
    browser.find_element(By.ID, "step").click()
    wait_for(browser, f"playground.session.id === '{first}' && playground.session.seq > {seq}")


def closing_a_tab_ends_its_session(browser, server_pid: int) -> None:
    """The page's beacon on pagehide closes its session: one worker process fewer."""
    if not Path("/proc").is_dir():
        return
    before = len(process_tree(server_pid))
    browser.switch_to.window(browser.window_handles[1])
    browser.close()
    browser.switch_to.window(browser.window_handles[0])
    deadline = time.monotonic() + 20
    while len(process_tree(server_pid)) >= before and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(process_tree(server_pid)) == before - 1


def a_dropped_session_is_replaced(browser) -> None:
    """The server drops the session (as after the idle timeout): the page opens a new one."""
    old = browser.execute_script("return playground.session.id;")
    browser.execute_script(f"fetch('/api/sessions/{old}/close', {{method: 'POST'}});")
    new = wait_for(browser, f"playground.session.id && playground.session.id !== '{old}' && "
                            "playground.session.version && playground.session.id")
    assert new != old
    assert "expired" in browser.find_element("id", "message").text


def screenshot(browser, tmp_path: Path) -> None:
    path = tmp_path / "playground.png"
    browser.save_screenshot(str(path))
    assert path.stat().st_size > 10_000
    target = os.environ.get("TAMRIN_PLAYGROUND_SCREENSHOT")
    if target:
        shutil.copyfile(path, target)
