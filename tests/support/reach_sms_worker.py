"""A runtime node's SMS sender as its own process, for the kill -9 test: sends from the outbox
through Kannel until killed. Usage: python -m tests.support.reach_sms_worker DB_URL SENDSMS_URL USER PASSWORD NODE"""

from __future__ import annotations

import sys
import time

from huashu.core.db import make_engine
from runtime.campaigns.sms.outbox import SmsSender
from runtime.campaigns.sms.providers import KannelProvider


def main() -> None:
    db_url, url, user, password, node = sys.argv[1:6]
    engine = make_engine(db_url)
    sender = SmsSender(engine, KannelProvider(url, user, password, "10690000"), node, lease_s=1.0, batch=2)
    print("ready", flush=True)
    while True:
        sender.step()
        time.sleep(0.01)


if __name__ == "__main__":
    main()
