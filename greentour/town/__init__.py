"""Setting up a town (tenant): checks of its OSM file and places, the nearest DWD station, the
tenant file from a template, and the use case behind ``greentour tenant create`` and the admin
page "Ort einrichten" (:mod:`greentour.town.service`)."""
