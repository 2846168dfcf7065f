"""The campaign itself: its basics, phases, standards and sector themes, which every other room builds on."""
