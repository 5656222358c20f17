// SPDX-License-Identifier: MIT
/*
 * printf.c - SystemTap's printf: compile a format once, render it many
 * times, from argument values or straight from a record's packed bytes.
 *
 * grt_fmt_compile() parses the format the way the stap translator does
 * (staptree.cxx, print_format::string_to_components) into an array of
 * segments: runs of literal bytes and conversions with their flags, width
 * and precision already decoded.  Rendering walks the segments and writes
 * straight into the output buffer; numbers are converted by hand (no
 * vsnprintf), and the common conversions without flags, width or
 * precision (%d %u %x %s) take a short path.
 *
 * What the translator accepts, and what it means, differs from C:
 *
 *   %[flag][width][.precision][l]conversion
 *
 *   - at most ONE flag, one of "0+- #"; a second one is taken for the
 *     conversion character and rejected ("%-+5d" is an error, and in
 *     "%+05d" the 0 starts the width, so there is no zero padding);
 *   - a single 'l' length modifier is accepted and ignored; "%lld" and
 *     "%hd" are errors;
 *   - conversions: d i u o x X p c s b, and %% for a '%'.  A lone '%' at
 *     the very end is a literal '%'.  %m and %M (kernel memory dumps)
 *     are refused: user space has no address to read them from;
 *   - a static precision of 0 (and width of 0) is dropped when the
 *     translator re-emits the format, so "%.0s" prints the whole string;
 *   - width and precision, static or from a `*` argument, are clamped to
 *     [0, STP_BUFFER_SIZE]: a negative `*` width is 0, not left-justify;
 *     a `*` value is first truncated to int, as clamp_t(int, ...) does.
 *
 * Rendering follows the runtime (runtime/vsprintf.c, number() and
 * friends): every value is 64 bits; %d/%i are signed, %u %o %x %X
 * unsigned; '#' always adds "0"/"0x"/"0X", even for zero; %p is %#x;
 * the 0 flag zero-pads even when a precision is given; a numeric
 * precision never suppresses the digit of a zero; %c writes the low byte
 * of the value ('#' escapes it C-style); %s stops at a NUL byte, is padded
 * with spaces and, with the 0 flag, is followed by a NUL byte; %b writes
 * the raw bytes of the value in host order, precision (1, 2, 4 or 8)
 * choosing how many and the width padding with NUL bytes.
 */
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest-runtime/grt.h"

/* STP_BUFFER_SIZE: stap clamps every width and precision to it. */
#define FMT_MAXFIELD 8192

/* Longest format we compile; keeps every count and offset in range. */
#define FMT_MAXLEN ((size_t)1 << 30)

enum seg_kind {
	SEG_LIT,
	SEG_NUM,  /* d i u o x X p */
	SEG_STR,  /* s */
	SEG_CHAR, /* c */
	SEG_BIN,  /* b */
};

enum {
	FL_LEFT = 1 << 0,    /* - */
	FL_PLUS = 1 << 1,    /* + */
	FL_SPACE = 1 << 2,   /* ' ' */
	FL_SPECIAL = 1 << 3, /* # */
	FL_ZEROPAD = 1 << 4, /* 0 */
	FL_SIGN = 1 << 5,    /* %d %i: the value is signed */
	FL_LARGE = 1 << 6,   /* %X: upper-case digits */
};

/* Flags that change anything beyond the choice of digits. */
#define FL_USER (FL_LEFT | FL_PLUS | FL_SPACE | FL_SPECIAL | FL_ZEROPAD)

enum {
	DYN_WIDTH = 1 << 0, /* width comes from a `*` argument */
	DYN_PREC = 1 << 1,  /* precision comes from a `.*` argument */
};

struct seg {
	uint8_t kind;	   /* enum seg_kind */
	uint8_t flags;	   /* FL_* */
	uint8_t base;	   /* SEG_NUM: 8, 10 or 16 */
	uint8_t dyn;	   /* DYN_* */
	uint8_t fast;	   /* no flags, width or precision: the short path */
	int32_t width;	   /* -1: none given */
	int32_t prec;	   /* -1: none given */
	uint32_t off, len; /* SEG_LIT: the bytes lit[off, off + len) */
};

struct grt_fmt {
	int nsegs;
	int nargs;
	uint8_t *argtype; /* nargs entries, GRT_LONG or GRT_STRING */
	char *lit;	  /* all literal bytes, back to back */
	struct seg seg[];
};

/* ---- compiling ----------------------------------------------------- */

/* What a parse pass produces; with f == NULL it only counts. */
struct parse {
	struct grt_fmt *f;
	int nsegs, nargs;
	size_t nlit;
	int lit_open; /* the last segment is a literal still growing */
};

static void parse_lit(struct parse *ps, char c)
{
	if (!ps->lit_open) {
		if (ps->f) {
			struct seg *s = &ps->f->seg[ps->nsegs];

			memset(s, 0, sizeof(*s));
			s->kind = SEG_LIT;
			s->off = (uint32_t)ps->nlit;
		}
		ps->nsegs++;
		ps->lit_open = 1;
	}
	if (ps->f) {
		ps->f->lit[ps->nlit] = c;
		ps->f->seg[ps->nsegs - 1].len++;
	}
	ps->nlit++;
}

static void parse_arg(struct parse *ps, int type)
{
	if (ps->f)
		ps->f->argtype[ps->nargs] = (uint8_t)type;
	ps->nargs++;
}

/* Decimal digits of a static width or precision, saturated at the clamp. */
static int32_t parse_num(const char *fmt, size_t len, size_t *i)
{
	int32_t v = 0;

	while (*i < len && fmt[*i] >= '0' && fmt[*i] <= '9') {
		if (v <= FMT_MAXFIELD)
			v = v * 10 + (fmt[*i] - '0');
		(*i)++;
	}
	return v > FMT_MAXFIELD ? FMT_MAXFIELD : v;
}

static int parse_fail(char *err, size_t errlen, size_t *ret_erroff, size_t off, const char *why,
		      int c)
{
	if (err && errlen) {
		if (c >= 0x21 && c < 0x7f)
			snprintf(err, errlen, "%s '%c'", why, c);
		else
			snprintf(err, errlen, "%s", why);
	}
	if (ret_erroff)
		*ret_erroff = off;
	return -EINVAL;
}

/*
 * format = (literal | "%%" | directive)*
 * directive = "%" flag? ("*" | digits)? ("." ("*" | digits)?)? "l"? conv
 * flag = "0" | "+" | "-" | " " | "#"
 * conv = "d" | "i" | "u" | "o" | "x" | "X" | "p" | "c" | "s" | "b"
 */
static int parse(struct parse *ps, const char *fmt, size_t len, char *err, size_t errlen,
		 size_t *ret_erroff)
{
	size_t i = 0;

	while (i < len) {
		struct seg sg = {.width = -1, .prec = -1};
		size_t start = i;
		int vtype = GRT_LONG;

		if (fmt[i] != '%') {
			parse_lit(ps, fmt[i++]);
			continue;
		}
		if (i + 1 == len || fmt[i + 1] == '%') {
			parse_lit(ps, '%');
			i += 2;
			continue;
		}
		i++;

		/* One flag at most: the translator reads a single character. */
		switch (fmt[i]) {
		case '0':
			sg.flags |= FL_ZEROPAD;
			i++;
			break;
		case '+':
			sg.flags |= FL_PLUS;
			i++;
			break;
		case '-':
			sg.flags |= FL_LEFT;
			i++;
			break;
		case ' ':
			sg.flags |= FL_SPACE;
			i++;
			break;
		case '#':
			sg.flags |= FL_SPECIAL;
			i++;
			break;
		}

		if (i < len && fmt[i] == '*') {
			sg.dyn |= DYN_WIDTH;
			i++;
		} else if (i < len && fmt[i] >= '0' && fmt[i] <= '9') {
			sg.width = parse_num(fmt, len, &i);
			if (sg.width == 0) /* dropped when stap re-emits it */
				sg.width = -1;
		}

		if (i < len && fmt[i] == '.') {
			i++;
			if (i < len && fmt[i] == '*') {
				sg.dyn |= DYN_PREC;
				i++;
			} else if (i < len && fmt[i] >= '0' && fmt[i] <= '9') {
				sg.prec = parse_num(fmt, len, &i);
				if (sg.prec == 0) /* likewise dropped */
					sg.prec = -1;
			}
		}

		if (i < len && fmt[i] == 'l')
			i++;

		if (i == len)
			return parse_fail(err, errlen, ret_erroff, start,
					  "trailing incomplete print format conversion", -1);

		switch (fmt[i]) {
		case 'd':
		case 'i':
			sg.kind = SEG_NUM;
			sg.base = 10;
			sg.flags |= FL_SIGN;
			break;
		case 'u':
			sg.kind = SEG_NUM;
			sg.base = 10;
			break;
		case 'o':
			sg.kind = SEG_NUM;
			sg.base = 8;
			break;
		case 'X':
			sg.flags |= FL_LARGE;
			/* fall through */
		case 'x':
			sg.kind = SEG_NUM;
			sg.base = 16;
			break;
		case 'p': /* since stap 1.3, %p is %#x */
			sg.kind = SEG_NUM;
			sg.base = 16;
			sg.flags |= FL_SPECIAL;
			break;
		case 'c':
			sg.kind = SEG_CHAR;
			break;
		case 's':
			sg.kind = SEG_STR;
			vtype = GRT_STRING;
			break;
		case 'b':
			sg.kind = SEG_BIN;
			break;
		case 'm':
		case 'M':
			return parse_fail(err, errlen, ret_erroff, start,
					  "unsupported conversion (reads kernel memory)", fmt[i]);
		default:
			return parse_fail(err, errlen, ret_erroff, start,
					  "invalid or missing conversion specifier", fmt[i]);
		}
		i++;

		sg.fast = !(sg.flags & FL_USER) && !sg.dyn && sg.width < 0 && sg.prec < 0 &&
			  (sg.kind == SEG_STR || (sg.kind == SEG_NUM && sg.base != 8));
		if (sg.dyn & DYN_WIDTH)
			parse_arg(ps, GRT_LONG);
		if (sg.dyn & DYN_PREC)
			parse_arg(ps, GRT_LONG);
		parse_arg(ps, vtype);
		if (ps->f)
			ps->f->seg[ps->nsegs] = sg;
		ps->nsegs++;
		ps->lit_open = 0;
	}
	return 0;
}

int grt_fmt_compile(const char *fmt, size_t len, struct grt_fmt **ret, char *err, size_t errlen,
		    size_t *ret_erroff)
{
	struct parse ps = {0};
	struct grt_fmt *f;
	size_t size;
	int r;

	if (!ret || (!fmt && len))
		return -EINVAL;
	if (len > FMT_MAXLEN)
		return parse_fail(err, errlen, ret_erroff, 0, "format too long", -1);

	/* Pass 1 validates and counts; pass 2 fills one allocation. */
	r = parse(&ps, fmt, len, err, errlen, ret_erroff);
	if (r)
		return r;
	size = sizeof(*f) + (size_t)ps.nsegs * sizeof(struct seg) + (size_t)ps.nargs + ps.nlit;
	f = calloc(1, size);
	if (!f)
		return -ENOMEM;
	f->nsegs = ps.nsegs;
	f->nargs = ps.nargs;
	f->argtype = (uint8_t *)&f->seg[ps.nsegs];
	f->lit = (char *)f->argtype + ps.nargs;

	memset(&ps, 0, sizeof(ps));
	ps.f = f;
	r = parse(&ps, fmt, len, NULL, 0, NULL);
	if (r) { /* cannot happen: pass 1 accepted the same bytes */
		free(f);
		return r;
	}
	*ret = f;
	return 0;
}

void grt_fmt_free(struct grt_fmt *f)
{
	free(f);
}

int grt_fmt_nargs(const struct grt_fmt *f)
{
	return f ? f->nargs : 0;
}

int grt_fmt_argtype(const struct grt_fmt *f, int i)
{
	if (!f || i < 0 || i >= f->nargs)
		return GRT_NONE;
	return f->argtype[i];
}

/* ---- argument sources ------------------------------------------------ */

/*
 * Values come either from an array of grt_arg or from packed record
 * bytes (taphub/record.h: long = 8 bytes LE, string = u16 LE length and
 * the bytes).  Rendering pulls them one at a time, so a record is decoded
 * in the same pass that formats it.
 */
struct src {
	const struct grt_arg *args;
	int nargs, i;
	const unsigned char *p, *end;
	int packed;
};

static inline int src_long(struct src *s, int64_t *v)
{
	if (s->packed) {
		uint64_t u;

		if (s->end - s->p < 8)
			return -EBADMSG;
		memcpy(&u, s->p, 8);
		s->p += 8;
		*v = (int64_t)le64toh(u);
		return 0;
	}
	if (s->i >= s->nargs || s->args[s->i].type != GRT_LONG)
		return -EINVAL;
	*v = s->args[s->i++].l;
	return 0;
}

static inline int src_str(struct src *s, const char **str, size_t *n)
{
	const struct grt_arg *a;

	if (s->packed) {
		uint16_t u;

		if (s->end - s->p < 2)
			return -EBADMSG;
		memcpy(&u, s->p, 2);
		u = le16toh(u);
		if ((size_t)(s->end - s->p) - 2 < u)
			return -EBADMSG;
		*str = (const char *)s->p + 2;
		*n = u;
		s->p += 2 + (size_t)u;
	} else {
		if (s->i >= s->nargs || s->args[s->i].type != GRT_STRING)
			return -EINVAL;
		a = &s->args[s->i++];
		*str = a->s ? a->s : "";
		*n = a->s ? a->slen : 0;
	}
	/* A language string ends at its first NUL, wherever the length says. */
	if (*n) {
		const char *nul = memchr(*str, '\0', *n);

		if (nul)
			*n = (size_t)(nul - *str);
	}
	return 0;
}

/* clamp_t(int, v, 0, FMT_MAXFIELD): truncate to int first, as stap does. */
static inline int32_t clamp_field(int64_t v)
{
	int32_t i = (int32_t)(uint32_t)(uint64_t)v;

	if (i < 0)
		return 0;
	return i > FMT_MAXFIELD ? FMT_MAXFIELD : i;
}

/* ---- conversions ----------------------------------------------------- */

static const char digits_lower[] = "0123456789abcdef";
static const char digits_upper[] = "0123456789ABCDEF";

static const char dec_pairs[] = "00010203040506070809"
				"10111213141516171819"
				"20212223242526272829"
				"30313233343536373839"
				"40414243444546474849"
				"50515253545556575859"
				"60616263646566676869"
				"70717273747576777879"
				"80818283848586878889"
				"90919293949596979899";

/* Digits of v, written backwards ending at end; returns the first. */
static inline char *dec_backwards(char *end, uint64_t v)
{
	while (v >= 100) {
		unsigned d = (unsigned)(v % 100) * 2;

		v /= 100;
		*--end = dec_pairs[d + 1];
		*--end = dec_pairs[d];
	}
	if (v >= 10) {
		*--end = dec_pairs[v * 2 + 1];
		*--end = dec_pairs[v * 2];
	} else {
		*--end = (char)('0' + v);
	}
	return end;
}

static inline char *digits_backwards(char *end, uint64_t v, int base, const char *digits)
{
	if (base == 10)
		return dec_backwards(end, v);
	if (base == 16) {
		do {
			*--end = digits[v & 15];
			v >>= 4;
		} while (v);
	} else {
		do {
			*--end = (char)('0' + (v & 7));
			v >>= 3;
		} while (v);
	}
	return end;
}

/*
 * stap's number(): sign, then the 0/0x prefix, then zero padding or the
 * precision's zeros, then digits; spaces before (right-justified) or
 * after (-).  Returns the end of what it wrote; p has room for
 * max(width, prec) + 32 bytes.
 */
static char *put_number(char *p, uint64_t num, int base, int width, int prec, unsigned flags)
{
	char tmp[24], *d, *tend = tmp + sizeof(tmp);
	char sign = 0, pad;
	int n, size = width;

	if (flags & FL_LEFT)
		flags &= ~FL_ZEROPAD;
	pad = (flags & FL_ZEROPAD) ? '0' : ' ';
	if (flags & FL_SIGN) {
		if ((int64_t)num < 0) {
			sign = '-';
			num = 0 - num; /* INT64_MIN stays 2^63: right as unsigned */
			size--;
		} else if (flags & FL_PLUS) {
			sign = '+';
			size--;
		} else if (flags & FL_SPACE) {
			sign = ' ';
			size--;
		}
	}
	if (flags & FL_SPECIAL) {
		if (base == 16)
			size -= 2;
		else if (base == 8)
			size--;
	}
	d = digits_backwards(tend, num, base, (flags & FL_LARGE) ? digits_upper : digits_lower);
	n = (int)(tend - d);
	if (n > prec)
		prec = n;
	size -= prec;
	if (!(flags & (FL_ZEROPAD | FL_LEFT)))
		while (size-- > 0)
			*p++ = ' ';
	if (sign)
		*p++ = sign;
	if (flags & FL_SPECIAL) {
		if (base == 8) {
			*p++ = '0';
		} else if (base == 16) {
			*p++ = '0';
			*p++ = (flags & FL_LARGE) ? 'X' : 'x';
		}
	}
	if (!(flags & FL_LEFT))
		while (size-- > 0)
			*p++ = pad;
	while (n < prec--)
		*p++ = '0';
	memcpy(p, d, (size_t)n);
	p += n;
	while (size-- > 0)
		*p++ = ' ';
	return p;
}

/* Bytes a %c of c takes before padding: 1, or its '#' escape. */
static int char_size(unsigned char c, unsigned flags, char *esc)
{
	return flags & FL_SPECIAL ? 1 + grt_c_escape(c, '\'', esc) : 1;
}

/* Room: max(width, 4). */
static char *put_char(char *p, unsigned char c, int width, unsigned flags)
{
	char esc[3];
	int size = char_size(c, flags, esc);

	if (!(flags & FL_LEFT))
		for (; width > size; width--)
			*p++ = ' ';
	if (size == 1) {
		*p++ = (char)c;
	} else {
		*p++ = '\\';
		memcpy(p, esc, (size_t)size - 1);
		p += size - 1;
	}
	for (; width > size; width--)
		*p++ = ' ';
	return p;
}

/* Room: max(width, 8). */
static char *put_binary(char *p, int64_t v, int width, int prec, unsigned flags)
{
	/* Only 1, 2, 4 and 8 bytes exist; a missing one of width and
	 * precision defaults to the other, both to 8. */
	if (prec != 1 && prec != 2 && prec != 4 && prec != 8)
		prec = -1;
	if (width < 0) {
		if (prec < 0)
			prec = 8;
		width = prec;
	} else if (prec < 0) {
		prec = (width == 1 || width == 2 || width == 4 || width == 8) ? width : 8;
	}
	if (!(flags & FL_LEFT))
		for (; width > prec; width--)
			*p++ = '\0';
	switch (prec) {
	case 1: {
		int8_t x = (int8_t)v;

		memcpy(p, &x, 1);
		break;
	}
	case 2: {
		int16_t x = (int16_t)v;

		memcpy(p, &x, 2);
		break;
	}
	case 4: {
		int32_t x = (int32_t)v;

		memcpy(p, &x, 4);
		break;
	}
	default:
		memcpy(p, &v, 8);
		break;
	}
	p += prec;
	for (; width > prec; width--)
		*p++ = '\0';
	return p;
}

/* ---- rendering ------------------------------------------------------- */

/* grt_buf_reserve() without the call when there is room already. */
static inline int room(struct grt_buf *out, size_t n)
{
	if (out->cap - out->len > n)
		return 0;
	return grt_buf_reserve(out, n);
}

static int render(struct grt_buf *out, const struct grt_fmt *f, struct src *src)
{
	size_t start = out->len;
	int r = 0;

	for (int k = 0; k < f->nsegs; k++) {
		const struct seg *sg = &f->seg[k];
		int32_t width = sg->width, prec = sg->prec;
		const char *str;
		size_t slen;
		int64_t v;
		char *p;

		if (sg->kind == SEG_LIT) {
			r = room(out, sg->len);
			if (r)
				goto fail;
			memcpy(out->data + out->len, f->lit + sg->off, sg->len);
			out->len += sg->len;
			continue;
		}

		if (sg->fast) {
			char tmp[24], *d, *tend = tmp + sizeof(tmp);

			if (sg->kind == SEG_STR) {
				r = src_str(src, &str, &slen);
				if (r)
					goto fail;
				if (slen > FMT_MAXFIELD)
					slen = FMT_MAXFIELD;
				r = room(out, slen);
				if (r)
					goto fail;
				memcpy(out->data + out->len, str, slen);
				out->len += slen;
				continue;
			}
			r = src_long(src, &v);
			if (r)
				goto fail;
			if (sg->base == 16) {
				d = digits_backwards(tend, (uint64_t)v, 16,
						     (sg->flags & FL_LARGE) ? digits_upper
									    : digits_lower);
			} else if ((sg->flags & FL_SIGN) && v < 0) {
				d = dec_backwards(tend, 0 - (uint64_t)v);
				*--d = '-';
			} else {
				d = dec_backwards(tend, (uint64_t)v);
			}
			r = room(out, (size_t)(tend - d));
			if (r)
				goto fail;
			memcpy(out->data + out->len, d, (size_t)(tend - d));
			out->len += (size_t)(tend - d);
			continue;
		}

		/* `*` arguments come first, width before precision. */
		if (sg->dyn & DYN_WIDTH) {
			r = src_long(src, &v);
			if (r)
				goto fail;
			width = clamp_field(v);
		}
		if (sg->dyn & DYN_PREC) {
			r = src_long(src, &v);
			if (r)
				goto fail;
			prec = clamp_field(v);
		}

		if (sg->kind == SEG_STR) {
			r = src_str(src, &str, &slen);
			if (r)
				goto fail;
			/* An absent precision is stap's clamp of -1: the maximum. */
			if ((size_t)(prec < 0 ? FMT_MAXFIELD : prec) < slen)
				slen = (size_t)(prec < 0 ? FMT_MAXFIELD : prec);
			r = room(out, slen + (width > 0 ? (size_t)width : 0) + 1);
			if (r)
				goto fail;
			p = out->data + out->len;
			if (!(sg->flags & FL_LEFT))
				for (; width > 0 && (size_t)width > slen; width--)
					*p++ = ' ';
			memcpy(p, str, slen);
			p += slen;
			for (; width > 0 && (size_t)width > slen; width--)
				*p++ = ' ';
			if (sg->flags & FL_ZEROPAD)
				*p++ = '\0';
			out->len = (size_t)(p - out->data);
			continue;
		}

		r = src_long(src, &v);
		if (r)
			goto fail;
		r = room(out, (size_t)(width > 0 ? width : 0) + (size_t)(prec > 0 ? prec : 0) + 32);
		if (r)
			goto fail;
		p = out->data + out->len;
		switch (sg->kind) {
		case SEG_NUM:
			p = put_number(p, (uint64_t)v, sg->base, width, prec, sg->flags);
			break;
		case SEG_CHAR:
			p = put_char(p, (unsigned char)v, width, sg->flags);
			break;
		default:
			p = put_binary(p, v, width, prec, sg->flags);
			break;
		}
		out->len = (size_t)(p - out->data);
	}

	if (!out->data) { /* nothing written at all: still hand back a string */
		r = room(out, 0);
		if (r)
			return r;
	}
	out->data[out->len] = '\0';
	return 0;

fail:
	if (out->data) {
		out->len = start;
		out->data[start] = '\0';
	}
	return r;
}

int grt_fmt_render(struct grt_buf *out, const struct grt_fmt *f, const struct grt_arg *args,
		   int nargs)
{
	struct src src = {.args = args, .nargs = nargs};

	if (!out || !f || nargs != f->nargs || (nargs && !args))
		return -EINVAL;
	return render(out, f, &src);
}

int grt_fmt_render_packed(struct grt_buf *out, const struct grt_fmt *f, const void *data,
			  size_t len)
{
	static const unsigned char none[1];
	struct src src = {.packed = 1};

	if (!out || !f || (!data && len))
		return -EINVAL;
	src.p = data ? data : none;
	src.end = src.p + len;
	return render(out, f, &src);
}
