/* nothing.c - lab 98's student file: it has no part to play. */
