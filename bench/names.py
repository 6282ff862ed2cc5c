"""Synthetic but plausible Chinese names and unique phone numbers, derived from a number."""

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任卢"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉力健斌宇浩凯鹏晨阳欣怡佳琪俊峰海燕丹"


def person_name(seed, number):
    """Return a two- or three-character name for person number (stable for a seed)."""
    mixed = (number * 2_654_435_761 + seed) % 4_294_967_296
    name = SURNAMES[mixed % len(SURNAMES)] + GIVEN[(mixed // 64) % len(GIVEN)]
    if mixed % 3:
        name += GIVEN[(mixed // 4096) % len(GIVEN)]
    return name


def phone_number(number):
    """Return an 11-digit mobile number unique to number (< 10**9)."""
    return f"13{(number * 7919) % 1_000_000_000:09d}"
