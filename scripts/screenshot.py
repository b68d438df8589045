"""Take the README screenshots of the reader: python scripts/screenshot.py [BASE_URL]

Needs `make run` serving the demo data and Debian's Chromium at /usr/bin/chromium.
"""

import sys

from playwright.sync_api import sync_playwright

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

with sync_playwright() as p:
    browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
    page = browser.new_page(viewport={"width": 1280, "height": 820})
    page.goto(f"{BASE}/accounts/login/")
    page.fill("#id_username", "alice")
    page.fill("#id_password", "alice-demo-2026")
    page.click("main button[type=submit]")
    page.wait_for_url(f"{BASE}/")
    page.goto(f"{BASE}/articles/the-situation-in-mexico/")
    page.locator(".ann-item [data-jump]").nth(5).click()
    page.get_by_text("Here we go.").scroll_into_view_if_needed()
    page.evaluate("window.scrollBy(0, 260)")
    # Select a sentence with the mouse so the tag picker shows.
    para = page.locator("#article-text p", has_text="Jerí was not elected").first
    box = para.bounding_box()
    page.mouse.move(box["x"] + 2, box["y"] + 12)
    page.mouse.down()
    page.mouse.move(box["x"] + 470, box["y"] + 12, steps=5)
    page.mouse.up()
    page.wait_for_selector("#picker:not([hidden])")
    page.screenshot(path="docs/reader.png")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{BASE}/articles/the-situation-in-mexico/")
    page.screenshot(path="docs/reader-phone.png")
    # The dark theme (prefers-color-scheme), on a laptop with a thread open beside the
    # sidebar, and on a phone with touch.
    page.emulate_media(color_scheme="dark")
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(f"{BASE}/articles/the-situation-in-mexico/")
    page.locator(".ann-item [data-thread-open]").nth(2).click()
    page.wait_for_selector("#thread-panel #thread")
    page.screenshot(path="docs/reader-dark.png")
    phone = browser.new_context(
        viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True, color_scheme="dark"
    )
    phone.add_cookies(page.context.cookies())
    touch = phone.new_page()
    touch.goto(f"{BASE}/articles/the-situation-in-mexico/")
    # The annotation list, a drawer over the text on a phone.
    touch.locator("[data-drawer-open]").tap()
    touch.wait_for_selector("#sidebar:visible")
    touch.wait_for_timeout(600)  # the tap highlight fades
    touch.screenshot(path="docs/reader-phone-dark.png")
    browser.close()
