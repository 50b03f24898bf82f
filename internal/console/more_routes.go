package console

func (h *Handler) moreRoutes() {}
