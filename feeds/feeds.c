/* placeholder removed once feeds land */
typedef int bk_feeds_placeholder;
