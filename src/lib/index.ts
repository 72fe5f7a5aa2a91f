// Reexport your entry components here
