"""(being written)"""


class FaultInjector:
    def __init__(self, config):
        self.config = config

    def before(self, req):
        return None

    def after(self, req, response):
        return response
