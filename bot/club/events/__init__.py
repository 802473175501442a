"""Owner classes (车主讲堂), road trips (自驾游) and other club activities: the events
staff run, the places owners take or wait for, check-in, and the evaluation after."""
