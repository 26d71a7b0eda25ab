"""The offline demo: a scripted debate on one of the essay's motions."""
