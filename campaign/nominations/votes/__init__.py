"""公示票选: public votes on nominations, cast with one-time vote codes and counted when closed."""
