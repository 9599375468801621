# Performance indicators arrive with the indicators issue; the app exists so the shape is fixed.
