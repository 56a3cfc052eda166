"""Constants of the Cloud Telephony integration."""

from __future__ import annotations

from datetime import timedelta
import logging
from typing import Final

DOMAIN: Final = "cloud_telephony"
LOGGER = logging.getLogger(__package__)

# Not imported from homeassistant.const: it only exists there in versions after 2025.4.
ATTR_CONFIG_ENTRY_ID: Final = "config_entry_id"
ATTR_DEVICE_ID: Final = "device_id"

CONF_PROVIDER: Final = "provider"
CONF_ACCOUNT_NAME: Final = "account_name"
CONF_CLOUDHOOK_URL: Final = "cloudhook_url"
CONF_COUNTRY: Final = "country"
CONF_BASIC_AUTH_USERNAME: Final = "basic_auth_username"
CONF_BASIC_AUTH_PASSWORD: Final = "basic_auth_password"
CONF_STRICT_SIGNATURE: Final = "strict_signature"
CONF_POLL_INTERVAL: Final = "poll_interval"
DEFAULT_INBOX_INTERVAL: Final = timedelta(seconds=60)
# Options of entries before minor version 3, now subentries (kept for the migration).
CONF_CONTACTS: Final = "contacts"
CONF_RECIPIENTS: Final = "recipients"
CONF_CHANNELS: Final = "channels"
CONF_NUMBER: Final = "number"
SUBENTRY_CONTACT: Final = "contact"
SUBENTRY_RECIPIENT: Final = "recipient"

# Larger than any provider's documented post (pushes of 50 records, arrays of replies).
MAX_BODY_BYTES: Final = 1024 * 1024
HISTORY_SIZE: Final = 100
DEDUPE_WINDOW: Final = timedelta(hours=48)
# Provider ids remembered per account for de-duplication: 48 h, and at most this many (a busy
# account forgets its oldest first). Far more than any provider's retries span.
SEEN_LIMIT: Final = 50_000

EVENT_PREFIX: Final = f"{DOMAIN}_"

# Parts of a PBX the options name, and how often each kind is polled.
CONF_QUEUES: Final = "queues"
CONF_VOICEMAIL_BOXES: Final = "voicemail_boxes"
CONF_PHONES_INTERVAL: Final = "phones_interval"
CONF_QUEUES_INTERVAL: Final = "queues_interval"
CONF_VOICEMAIL_INTERVAL: Final = "voicemail_interval"
# A phone that lost its registration, and a new voicemail, are news within a minute; a caller
# waiting in a queue within seconds.
DEFAULT_PHONES_INTERVAL: Final = timedelta(seconds=60)
DEFAULT_QUEUES_INTERVAL: Final = timedelta(seconds=15)
DEFAULT_VOICEMAIL_INTERVAL: Final = timedelta(seconds=60)

# Stored faxes, recordings and voicemail: where, and for how long.
CONF_MEDIA_FOLDER: Final = "media_folder"
CONF_RETENTION_DAYS: Final = "retention_days"
CONF_RETENTION_COUNT: Final = "retention_count"
