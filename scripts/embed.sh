#!/bin/sh
# Emit an assembler file that embeds the given files into the program
# (.incbin), with a table th_embedded[] of {name, data, size}, ending with
# a zero entry.  Names are the include paths generated code uses:
# include/taphub/x.h -> taphub/x.h, the two runtime entry headers by
# basename, tapsets as tapset/NAME, anything else by its repo path.
set -e
top=$(pwd)
i=0
echo '	.section .rodata'
for f in "$@"; do
	case "$f" in
	*/tapset/*) name="tapset/$(basename "$f")" ;;
	include/*) name=${f#include/} ;;
	guest-runtime/bpf/*|guest-runtime/grt_user.h) name=$(basename "$f") ;;
	*) name=$f ;;
	esac
	echo ".Lname$i: .asciz \"$name\""
	echo ".Ldata$i: .incbin \"$top/$f\""
	echo ".Lend$i: .byte 0"
	i=$((i + 1))
done
echo '	.section .data.rel.ro,"aw"'
echo '	.balign 8'
echo '	.globl th_embedded'
echo '	.type th_embedded, @object'
echo 'th_embedded:'
j=0
while [ $j -lt $i ]; do
	echo "	.quad .Lname$j, .Ldata$j, .Lend$j - .Ldata$j"
	j=$((j + 1))
done
echo '	.quad 0, 0, 0'
echo '	.size th_embedded, .-th_embedded'
echo '	.section .note.GNU-stack,"",@progbits'
