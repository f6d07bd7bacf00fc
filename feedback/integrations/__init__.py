"""How conversations arrive from outside: the JSON API, API keys, intake by external
id, and CSV import (rules, the row reader, the background job)."""
