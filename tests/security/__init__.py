"""The attack-and-fault suite: probes that try to read, change or guess what is not theirs."""
