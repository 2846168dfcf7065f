"""信息上报: information items, their adoption by the media and the monthly quota."""
