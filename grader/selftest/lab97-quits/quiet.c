/* quiet.c - lab 97's student file: it has no part to play. */
