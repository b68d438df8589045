"""API pagination. Its own module because DRF imports it while building its generic views,
before annotator.api (which uses those views) can be imported."""

from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    """{"count", "next", "previous", "results"}; ?page= and ?page_size= (at most 1000)."""

    page_size_query_param = "page_size"
    max_page_size = 1000
