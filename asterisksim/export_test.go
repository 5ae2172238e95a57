package asterisksim

// RouteCount is the number of routes a server serves, for the api-docs test.
func RouteCount() int { return len((&Server{}).routeTable()) }
