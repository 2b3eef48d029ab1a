"""Detection in Chinese (SPEC §8, issue 13): repeat complaints, hot issues, group complaints and
grading rules, from the words of complaints and the keyed indexes of their complainants."""
