"""HTTP routers, one module per area; search_api.app includes them."""
