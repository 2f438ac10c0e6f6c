"""The district's settings of 群工系统: categories and their extra questions, handling units, routing rules, and the
Open311 client applications (pages in views, writes in services)."""
