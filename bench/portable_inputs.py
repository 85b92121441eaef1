#!/usr/bin/env python3
"""Inputs for the import/export measurements (bench/portable.sh).

    portable_inputs.py OUTDIR [CONTACTS] [EMAILS]

writes OUTDIR/contacts.vcf (vCard 4.0, CONTACTS cards, default 100,000), OUTDIR/contacts.csv
(the same people as CSV) and OUTDIR/archive.json (a RelationHub JSON archive of one account
with EMAILS emails, default 10,000, spread over 1,000 contacts, plus history and templates).
Deterministic: the same arguments give the same files.
"""
import json
import random
import sys
import uuid
from datetime import datetime, timedelta, timezone


def person(i):
    first = ["Ada", "Grace", "Zoë", "José", "Émile", "Linus", "Margaret", "Alan", "Katherine", "Dennis"][i % 10]
    last = ["Lovelace", "Hopper", "Ångström", "Núñez", "Durand", "Torvalds", "Hamilton", "Turing", "Johnson", "Ritchie"][
        (i // 10) % 10
    ]
    return first, f"{last} {i}", f"person{i}@example.com", f"Company {i % 997}, Ltd", f"+1 555 {i:07d}"


def vcard(out, n):
    with open(out, "w", encoding="utf-8", newline="") as f:
        for i in range(n):
            first, last, email, org, tel = person(i)
            f.write(
                "BEGIN:VCARD\r\nVERSION:4.0\r\n"
                f"FN:{first} {last}\r\nN:{last};{first};;;\r\nEMAIL;TYPE=work:{email}\r\n"
                f"TEL;TYPE=cell:{tel}\r\nORG:{org.replace(',', chr(92) + ',')}\r\nTITLE:Engineer\r\n"
                f"NOTE:Met at conference {i % 50}\\, follow up about project {i}.\r\nEND:VCARD\r\n"
            )


def csv(out, n):
    with open(out, "w", encoding="utf-8", newline="") as f:
        f.write("First Name,Last Name,Email,Phone,Company,Title,Notes\r\n")
        for i in range(n):
            first, last, email, org, tel = person(i)
            f.write(f'{first},{last},{email},{tel},"{org}",Engineer,"Met at conference {i % 50}, project {i}"\r\n')


def ts(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def archive(out, emails, contacts=1000):
    rng = random.Random(42)
    start = datetime(2025, 1, 1, tzinfo=timezone.utc)
    ids = lambda: str(uuid.UUID(int=rng.getrandbits(128), version=4))
    with open(out, "w", encoding="utf-8") as f:
        f.write('{"format":"relationhub","version":1,"exportedAt":"2026-01-01T00:00:00.000Z",\n')
        f.write('"account":' + json.dumps({"email": "bench@example.com", "name": "Bench", "createdAt": ts(start), "timeZone": "Europe/Berlin"}))
        cids = []
        f.write(',\n"contacts":[')
        for i in range(contacts):
            first, last, email, org, tel = person(i)
            cid = ids()
            cids.append(cid)
            t = start + timedelta(minutes=i)
            row = {"id": cid, "name": f"{first} {last}", "email": email, "phone": tel, "company": org, "role": "Engineer",
                   "industry": None, "linkedInUrl": None, "priority": ["HIGH", "MEDIUM", "LOW"][i % 3], "birthday": None,
                   "notes": f"Contact {i}", "lastContactedAt": None, "stayInTouchDays": 60, "lastTouchAt": None,
                   "nextTouchAt": ts(t + timedelta(days=60)), "snoozedUntil": None, "createdAt": ts(t), "updatedAt": ts(t)}
            f.write(("," if i else "") + "\n" + json.dumps(row, ensure_ascii=False))
        f.write('],\n"emailTemplates":[')
        for i in range(5):
            t = start + timedelta(hours=i)
            row = {"id": ids(), "name": f"Template {i}", "subject": "Hi {{firstName}}", "body": "Hello {{firstName}},\n\n" + "text " * 50,
                   "templateType": ["FORMAL", "CASUAL", "CUSTOM", "AI_GENERATED", "TEMPLATE_BASED"][i], "isDefault": i == 0,
                   "createdAt": ts(t), "updatedAt": ts(t)}
            f.write(("," if i else "") + "\n" + json.dumps(row))
        f.write('],\n"conversationHistory":[')
        for i in range(emails // 5):
            t = start + timedelta(minutes=7 * i)
            row = {"id": ids(), "contactId": cids[i % contacts], "content": f"Conversation {i}: " + "words " * 40,
                   "direction": ["SENT", "RECEIVED"][i % 2], "timestamp": ts(t), "metadata": {"subject": f"Re: {i}"}}
            f.write(("," if i else "") + "\n" + json.dumps(row))
        f.write('],\n"emails":[')
        for i in range(emails):
            t = start + timedelta(minutes=3 * i)
            status = ["SENT", "DRAFT", "SENT", "FAILED", "CANCELLED"][i % 5]
            row = {"id": ids(), "contactId": cids[i % contacts], "subject": f"Following up {i}",
                   "body": f"Dear contact {i},\n\n" + "It was great to catch up last week. " * 25 + "\n\nBest,\nBench",
                   "bodyHtml": None, "status": status, "templateType": "FORMAL", "providerId": "builtin", "tokensUsed": 300 + i % 200,
                   "generatedAt": ts(t), "sentAt": ts(t + timedelta(hours=1)) if status == "SENT" else None,
                   "openedAt": ts(t + timedelta(hours=5)) if status == "SENT" and i % 3 == 0 else None, "repliedAt": None,
                   "createdAt": ts(t), "updatedAt": ts(t), "scheduledAt": None, "nextAttemptAt": None,
                   "sendAttempts": 1 if status in ("SENT", "FAILED") else 0,
                   "lastError": "mailbox full" if status == "FAILED" else None, "messageId": None, "trackingToken": None}
            f.write(("," if i else "") + "\n" + json.dumps(row))
        f.write("]\n}\n")


if __name__ == "__main__":
    outdir = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    emails = int(sys.argv[3]) if len(sys.argv) > 3 else 10_000
    vcard(f"{outdir}/contacts.vcf", n)
    csv(f"{outdir}/contacts.csv", n)
    archive(f"{outdir}/archive.json", emails)
