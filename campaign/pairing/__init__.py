"""党群共建: pairs of units (结对共建) and their joint activities, the mass organizations'
own activities and honours, and joint meetings (联席会议)."""
