"""The sections of the class report, one file each: each turns the ClassData into HTML."""
