"""The company every face serves: its records and rules (store, rules, views), queries, seeding and users."""
