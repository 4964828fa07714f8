"""credit-gateway domain core: pure Python, no AWS, no web framework."""
