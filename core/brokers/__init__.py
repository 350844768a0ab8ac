"""Brokers: the Broker port, the MT5Broker adapter, the simulated terminal and price feeds."""
