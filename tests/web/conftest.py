"""Browser tests: Playwright's ``expect`` waits up to 20 s (its default is 5 s).

A checked board move re-times the tours on the server and reloads the page; on a shared 2-core
machine at load 10 that took longer than 5 s and failed the walkthrough although the page came
right. A real failure still fails, only later.
"""

from playwright.sync_api import expect

expect.set_options(timeout=20_000)
