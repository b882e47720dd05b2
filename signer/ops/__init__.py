"""Operations over the whole service: health checks and Prometheus metrics."""
