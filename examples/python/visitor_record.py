#!/usr/bin/env python3
"""One visitor's record from the visitor-gate table, read with boto3: what a Django (or any Python)
backend runs to show a device's history without TypeScript.

``get_device(table, device_id, now_ms=None)`` returns what the TypeScript ``getDevice``
(lambdas/read-api/device-reader.ts) returns, field for field::

    {"device": {"deviceId", "firstSeen", "lastSeen", "pageViews", "sessionCount", "lastPath", "userId"?},
     "sessions": [{"sessionId", "start", "lastActivity", "pageViews", "entryPath", "exitPath",
                   "referrer"?, "utm"?, "device", "pages"}, ...]}   # sessions newest first

or None when nothing live is stored for the device. Times are epoch milliseconds. The item layout it
reads and the rules it applies are in docs/data-model.md ("Table layout"); a test runs this file
against DynamoDB Local and compares its output with getDevice's.

Command line (prints the record as JSON, or ``null`` with exit status 1 for an unknown device)::

    python3 visitor_record.py --table visitor-gate [--endpoint-url http://127.0.0.1:8000] -- DEVICE_ID

(the `--` lets an id that starts with `-`, as a base64url id may, be read as the id)

Arguments fall back to environment variables: TABLE_NAME, AWS_ENDPOINT_URL_DYNAMODB (or
AWS_ENDPOINT_URL), AWS_REGION (or AWS_DEFAULT_REGION), DEVICE_ID. Credentials come from boto3's usual
chain; the IAM permission needed is dynamodb:Query on the table.

Standard library and boto3 only (Debian: python3-boto3).
"""

import argparse
import json
import os
import sys
import time
from decimal import Decimal

import boto3
from boto3.dynamodb.conditions import Key
from botocore.exceptions import BotoCoreError, ClientError

#: Newest item layout this reader understands (attribute ``v``; an item without it is layout 1).
LAYOUT_VERSION = 2

PARTITION_KEY = "pk"
SORT_KEY = "sk"
DEVICE_PARTITION_PREFIX = "DEVICE#"
DEVICE_SORT_KEY = "DEVICE"
SESSION_SORT_PREFIX = "SESSION#"


class LayoutError(ValueError):
    """An item this reader cannot interpret: malformed, or written in a newer layout."""


def _plain(value):
    """DynamoDB numbers arrive as Decimal: whole ones become int (every time and count is whole)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {key: _plain(inner) for key, inner in value.items()}
    if isinstance(value, (list, set)):
        return [_plain(inner) for inner in value]
    return value


def _where(item):
    return f"item {item.get(PARTITION_KEY)}/{item.get(SORT_KEY)}"


def _field(item, name, kind, optional=False):
    value = item.get(name)
    if value is None and optional:
        return None
    if not isinstance(value, kind) or isinstance(value, bool):
        raise LayoutError(f"{_where(item)}: attribute {name} is missing or malformed")
    return _plain(value)


def _check_layout(item):
    version = item.get("v", 1)
    if not isinstance(version, (Decimal, int)) or isinstance(version, bool):
        raise LayoutError(f"{_where(item)}: attribute v is malformed")
    if version > LAYOUT_VERSION:
        # A new layout version changes what an attribute means: guessing would show wrong figures.
        raise LayoutError(
            f"{_where(item)}: layout version {version} is newer than this reader knows ({LAYOUT_VERSION})"
        )


def _is_expired(expires_at_seconds, now_ms):
    """Past its TTL (epoch seconds) at now_ms: DynamoDB deletes expired items up to days late."""
    return expires_at_seconds * 1000 <= now_ms


def _device_state(item):
    state = {"expiresAt": _field(item, "expiresAt", Decimal)}
    for name in ("firstSeen", "userLinkedAt"):
        value = _field(item, name, Decimal, optional=True)
        if value is not None:
            state[name] = value
    user_id = _field(item, "userId", str, optional=True)
    if user_id is not None:
        state["userId"] = user_id
    return state


def _session_state(item):
    session = {
        "sessionId": item[SORT_KEY][len(SESSION_SORT_PREFIX):],
        "start": _field(item, "start", Decimal),
        "lastActivity": _field(item, "lastActivity", Decimal),
        "pageViews": _field(item, "pageViews", Decimal),
        "entryPath": _field(item, "entryPath", str),
        "exitPath": _field(item, "exitPath", str),
    }
    referrer = _field(item, "referrer", dict, optional=True)
    if referrer is not None:
        session["referrer"] = {"origin": str(referrer.get("origin")), "path": str(referrer.get("path"))}
    utm = _field(item, "utm", dict, optional=True)
    if utm is not None:
        session["utm"] = utm
    session["device"] = _field(item, "device", dict)
    # Views per path; layout 1 items have none.
    pages = _field(item, "pages", dict, optional=True) or {}
    session["pages"] = {path: count for path, count in pages.items() if isinstance(count, (int, float)) and not isinstance(count, bool)}
    session["expiresAt"] = _field(item, "expiresAt", Decimal)
    return session


def _code_units(text):
    # JavaScript compares strings by UTF-16 code unit; so does this key (ids are ASCII, but be exact).
    return text.encode("utf-16-be")


def combine_device_record(device_id, device_item, session_items, now_ms):
    """The record from one device's items, as combineDeviceRecord (lambdas/aggregation/device-record.ts)."""
    device = device_item if device_item and not _is_expired(device_item["expiresAt"], now_ms) else None
    sessions = [s for s in session_items if not _is_expired(s["expiresAt"], now_ms)]
    # Newest first: by start, then last activity, then session id, all descending (part ~2 is its own session).
    sessions.sort(key=lambda s: (s["start"], s["lastActivity"], _code_units(s["sessionId"])), reverse=True)
    user_id = device.get("userId") if device else None
    if not sessions and user_id is None:
        return None

    latest = None
    for session in sessions:
        if latest is None or session["lastActivity"] > latest["lastActivity"]:
            latest = session
    first_seen_candidates = [s["start"] for s in sessions]
    if device and "firstSeen" in device:
        first_seen_candidates.append(device["firstSeen"])
    identified_at = device.get("userLinkedAt", 0) if device else 0

    summary = {
        "deviceId": device_id,
        "firstSeen": min(first_seen_candidates) if first_seen_candidates else identified_at,
        "lastSeen": latest["lastActivity"] if latest else identified_at,
        "pageViews": sum(s["pageViews"] for s in sessions),
        "sessionCount": len(sessions),
        "lastPath": latest["exitPath"] if latest else "",
    }
    if user_id is not None:
        summary["userId"] = user_id
    return {
        "device": summary,
        "sessions": [{key: value for key, value in s.items() if key != "expiresAt"} for s in sessions],
    }


def get_device(table, device_id, now_ms=None, consistent_read=False):
    """The device's record (sessions newest first), or None. ``table``: a boto3 DynamoDB Table resource.

    One Query on the device's partition; ``now_ms`` (epoch ms, default: now) decides what has expired.
    """
    if now_ms is None:
        now_ms = int(time.time() * 1000)
    device_item = None
    session_items = []
    found = False
    request = {
        "KeyConditionExpression": Key(PARTITION_KEY).eq(DEVICE_PARTITION_PREFIX + device_id),
        "ConsistentRead": consistent_read,
    }
    while True:
        page = table.query(**request)
        for item in page.get("Items", []):
            found = True
            sort_key = item.get(SORT_KEY)
            if sort_key == DEVICE_SORT_KEY:
                _check_layout(item)
                device_item = _device_state(item)
            elif isinstance(sort_key, str) and sort_key.startswith(SESSION_SORT_PREFIX):
                _check_layout(item)
                session_items.append(_session_state(item))
            # Any other item kind in the partition is not part of the record.
        if "LastEvaluatedKey" not in page:
            break
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    if not found:
        return None
    return combine_device_record(device_id, device_item, session_items, now_ms)


def _arguments(argv):
    env = os.environ.get
    parser = argparse.ArgumentParser(description="Print one visitor-gate device and its sessions as JSON.")
    parser.add_argument("device_id", nargs="?", default=env("DEVICE_ID"), help="device id (env DEVICE_ID)")
    parser.add_argument("--table", default=env("TABLE_NAME"), help="table name (env TABLE_NAME)")
    parser.add_argument(
        "--endpoint-url",
        default=env("AWS_ENDPOINT_URL_DYNAMODB") or env("AWS_ENDPOINT_URL"),
        help="DynamoDB endpoint, e.g. DynamoDB Local's (env AWS_ENDPOINT_URL_DYNAMODB); default: AWS",
    )
    parser.add_argument("--region", default=env("AWS_REGION") or env("AWS_DEFAULT_REGION"), help="AWS region")
    parser.add_argument("--now-ms", type=int, help="decide expiry at this instant, epoch ms (default: now)")
    parser.add_argument("--consistent-read", action="store_true", help="strongly consistent Query")
    args = parser.parse_args(argv)
    if not args.device_id:
        parser.error("a device id is required (argument or DEVICE_ID)")
    if not args.table:
        parser.error("a table name is required (--table or TABLE_NAME)")
    return args


def main(argv=None):
    args = _arguments(argv)
    dynamodb = boto3.resource("dynamodb", endpoint_url=args.endpoint_url, region_name=args.region)
    try:
        record = get_device(dynamodb.Table(args.table), args.device_id, args.now_ms, args.consistent_read)
    except (ClientError, BotoCoreError, LayoutError) as error:
        print(f"visitor_record: {error}", file=sys.stderr)
        return 2
    print(json.dumps(record, indent=2, ensure_ascii=False))
    if record is None:
        print(f"visitor_record: no device {args.device_id} in table {args.table}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
