"""Real hands: new letterforms keep exact owners, distortions move owners with the ink, ligatures,
hairlines, openings that stay open, the near misses and the batch distortion."""

import math
import random

import pytest
import torch
from PIL import Image

from letters.alphabet import CLASSES, NO_EXIT, NON_LETTERS, TEMPLATES, bezier_points, letter_roles
from letters.config import GeneratorConfig
from letters.drawing.augment import displace
from letters.drawing.hand import exit_stroke
from letters.drawing.nonletters import NON_LETTER_KINDS, render_non_letter
from letters.drawing.render import glyph_blur, render_glyph, render_parts

HANDS = GeneratorConfig(elastic=0.08, blur=1.0)  # every distortion on, strongly
STYLUS = GeneratorConfig(hairline=1.0)  # every glyph drawn with a hairline pen
JOINED = GeneratorConfig(features={**GeneratorConfig().features, "exit": 1.0})  # every glyph joined to a next letter
NEAR = GeneratorConfig(features=JOINED.features, exit_reach=(1.0, 1.0))  # joined, every ligature at strokes.EXIT's run
FAR = GeneratorConfig(features=JOINED.features, exit_reach=(2.0, 2.0))  # and twice as far to the next letter


def _seed_for_form(letter: str, index: int) -> int:
    """A seed whose glyph uses letterform `index` (the generator's first draw picks the form)."""
    seed = 0
    while random.Random(seed).randrange(len(TEMPLATES[letter])) != index:
        seed += 1
    return seed


def _bytes(image) -> torch.Tensor:
    return torch.tensor(list(image.tobytes()), dtype=torch.int64)


def test_c_ornaments_hang_only_from_an_arm_that_ends_at_the_opening():
    # a C's curl, serif and entry loop are placed for an arm ending on the right, at the opening;
    # from a short top arm, ending near the middle, they hang inside the letter like a G's bar
    for form in TEMPLATES["C"]:
        for piece in form.pieces:
            if piece.feature is not None:
                assert piece.controls[0][0] >= 0.6, (form.name, piece.feature, piece.controls[0])


def test_a_b_begun_as_a_handwritten_1_has_its_flag_rising_to_the_spines_top():
    # the flag and the spine's top make an apex like an A's, the shape that tips a "13" to A
    forms = [form for form in TEMPLATES["B"] if form.name in ("one-three", "one-round")]
    assert len(forms) == 2
    for form in forms:
        spine = [piece for piece in form.pieces if piece.role == "B.spine" and piece.feature is None]
        flag = spine[-1]
        (x0, y0), (x1, y1) = flag.controls[0], flag.controls[-1]
        assert x0 < x1 and y0 > y1, (form.name, "the flag rises from the left")
        assert (x1, y1) == spine[0].controls[0], (form.name, "the flag ends at the spine's top")


def test_a_shallow_waisted_b_joins_its_bowls_away_from_the_spine_and_only_that_differs():
    # a hurried hand that never goes back to the spine between the bowls: a narrow B nearly an 0
    shallow = next(form for form in TEMPLATES["B"] if form.name == "shallow-waist")
    round_b = next(form for form in TEMPLATES["B"] if form.name == "round")
    upper, lower = (next(p for p in shallow.pieces if p.role == role) for role in ("B.upper_bowl", "B.lower_bowl"))
    spine_x = next(p for p in shallow.pieces if p.role == "B.spine" and p.feature is None).controls[0][0]
    assert upper.controls[-1] == lower.controls[0], "the bowls meet"
    assert upper.controls[-1][0] >= spine_x + 0.25, "the waist stays well right of the spine"
    assert upper.controls[0][0] == lower.controls[-1][0] == spine_x, "the bowls leave and reach the spine"
    assert [p for p in shallow.pieces if p.role == "B.spine"] == [p for p in round_b.pieces if p.role == "B.spine"]


@pytest.mark.parametrize("letter", CLASSES)
def test_every_letterform_renders_with_exact_owners(letter):
    roles = letter_roles(letter)
    for index, form in enumerate(TEMPLATES[letter]):
        seed = _seed_for_form(letter, index)
        for config in (GeneratorConfig(), HANDS, STYLUS, JOINED, NEAR, FAR):
            glyph, parts = render_parts(letter, seed, config, [(role,) for role in roles])
            assert glyph.form == form.name
            coverage = glyph.roles
            owned = sum(_bytes(coverage[role]) for role in roles)
            assert all(int(_bytes(coverage[role]).sum()) > 0 for role in roles), (form.name, "a role drew nothing")
            ink = _bytes(glyph.image) > 0
            # a lone pixel at 1 of 255 is the two resamplings (ink, role bands) rounding apart at a
            # stroke's edge (about 1 glyph in 400), not a stroke: ownership is checked from 2 up, or
            # from one level above what that 1 becomes under the gain that lifts faint ink (a hairline's)
            floor = max(2, math.ceil(255 / glyph.transform.peak) + 1)
            assert bool(((owned > 0) | (_bytes(glyph.image) < floor)).all()), (form.name, "ink without an owner")
            # each stroke drawn alone lies inside the full glyph, in the glyph's own frame
            for role, part in zip(roles, parts):
                alone = _bytes(part) > 64
                assert float((alone & ink).sum()) >= 0.95 * float(alone.sum()), (form.name, role)


def _check_ligature(form):
    ligature = exit_stroke(form)
    assert ligature is not None and ligature.feature == "exit" and ligature.role in {piece.role for piece in form.pieces}
    points = [p for piece in form.pieces if piece.feature is None for p in bezier_points(piece.controls, 0, 1, 65)]
    top, bottom = min(y for _, y in points), max(y for _, y in points)
    (x0, y0), (x1, y1) = ligature.controls[0], ligature.controls[-1]
    assert y0 >= top + 0.6 * (bottom - top), (form.name, "leaves from the letter's lowest part")
    assert min(math.dist((x0, y0), p) for p in points) < 0.02, (form.name, "leaves from the letter's own ink")
    assert x0 >= max(x for x, y in points if y >= top + 0.7 * (bottom - top)) - 0.02, (form.name, "from its right")
    assert x1 > x0 + 0.3 and y1 < y0 - 0.3, (form.name, "runs on to the right and up to the next letter")


@pytest.mark.parametrize("letter", CLASSES)
def test_a_ligature_leaves_from_the_letters_lowest_right_point_and_rises_to_the_right(letter):
    for form in TEMPLATES[letter]:
        if letter in NO_EXIT:
            assert exit_stroke(form) is None, (form.name, "a C's ligature would read as a B's lower bowl")
        else:
            _check_ligature(form)


def test_every_near_miss_form_can_be_joined_to_a_next_letter_too():
    # near misses are drawn with every variation of a hand, so a ligature is never a sign of a letter
    for forms in NON_LETTERS.values():
        for form in forms:
            _check_ligature(form)


def test_a_joined_glyph_is_the_same_hand_with_a_ligature_running_on_to_the_right():
    # the ligature's chance is drawn whether or not it comes up, so the same seed draws the same
    # letter with the same hand (scaled and moved, as the canvas now fits the ligature too), and the
    # ligature, drawn last, runs on to the right; a C is drawn without one
    from letters.drawing.hand import glyph_pieces

    def in_own_box(paths):  # the points relative to the paths' own bounding box
        xs, ys = [x for p in paths for x, _ in p.points], [y for p in paths for _, y in p.points]
        size = max(max(xs) - min(xs), max(ys) - min(ys))
        return [[((x - min(xs)) / size, (y - min(ys)) / size) for x, y in p.points] for p in paths]

    for letter in CLASSES:
        for seed in range(4):
            form, plain = glyph_pieces(letter, seed, GeneratorConfig(features={**GeneratorConfig().features, "exit": 0.0}))
            joined_form, joined = glyph_pieces(letter, seed, JOINED)
            own, extra = joined[:len(plain)], joined[len(plain):]
            assert form == joined_form and len(own) == len(plain), (letter, seed)
            assert all(math.dist(a, b) < 1e-9 for pa, pb in zip(in_own_box(plain), in_own_box(own)) for a, b in zip(pa, pb))
            if letter in NO_EXIT:
                assert not extra
                continue
            assert extra and {path.role for path in extra} <= set(letter_roles(letter))
            assert all(path.points[-1][0] > path.points[0][0] for path in extra)  # it runs on to the right


def test_a_longer_reach_is_the_same_hand_with_a_ligature_running_further_right():
    # the reach is drawn with the ligature, after the letter's own pieces, so they keep their draws;
    # the ligature runs further right from the same place, relative to the letter's own size
    from letters.drawing.hand import glyph_pieces

    def run(letter, seed, config):  # (own pieces' points in their own box, the ligature's run / their size)
        _, paths = glyph_pieces(letter, seed, config)
        own, (ligature,) = paths[:-1], paths[-1:]
        xs, ys = [x for p in own for x, _ in p.points], [y for p in own for _, y in p.points]
        size = max(max(xs) - min(xs), max(ys) - min(ys))
        box = [((x - min(xs)) / size, (y - min(ys)) / size) for p in own for x, y in p.points]
        return box, (ligature.points[-1][0] - ligature.points[0][0]) / size

    for letter in ("A", "B"):
        for seed in range(6):
            near, far = run(letter, seed, NEAR), run(letter, seed, FAR)
            assert all(math.dist(a, b) < 1e-9 for a, b in zip(near[0], far[0])), (letter, seed)
            assert far[1] > 1.3 * near[1] > 0, (letter, seed, near[1], far[1])


def test_a_dataset_made_before_the_reach_existed_reads_back_with_every_ligature_at_its_old_run():
    old = GeneratorConfig().as_dict()
    del old["exit_reach"]
    assert GeneratorConfig.from_dict(old).exit_reach == (1.0, 1.0)
    assert GeneratorConfig.from_dict(GeneratorConfig().as_dict()) == GeneratorConfig()


def test_a_hairline_pen_is_the_same_hand_with_a_pen_finer_than_any_ordinary_one():
    # a tablet stylus: the same letter and hand (the hairline's draws are made either way), a pen
    # thinner than the ordinary range's thinnest, so faint that no raw pixel is fully inked
    from letters.drawing.hand import glyph_pieces

    # a hairline chance too small ever to come up, so the hairline's draws are made
    thinnest = GeneratorConfig(pen=(0.06, 0.0600001), hairline=1e-12, blur=0.0, double=0.0, contrast=0.0)
    hairline = GeneratorConfig(hairline=1.0, hairline_pen=(0.012, 0.03), blur=0.0, double=0.0, contrast=0.0)
    for letter in CLASSES:
        for seed in range(6):
            (form, thin), (hair_form, hair) = glyph_pieces(letter, seed, thinnest), glyph_pieces(letter, seed, hairline)
            assert form == hair_form and [p.points for p in thin] == [p.points for p in hair], (letter, seed)
            assert max(w for p in hair for w in p.widths) < min(w for p in thin for w in p.widths), (letter, seed)
            assert 0 < render_glyph(letter, seed, hairline).transform.darkest < 255, (letter, seed)


def test_a_dataset_made_before_hairlines_is_read_as_drawing_none():
    # the detector draws its near misses with the dataset's own hand (GeneratorConfig.from_dict)
    old = GeneratorConfig().as_dict()
    del old["hairline"], old["hairline_pen"], old["features"]["exit"]
    config = GeneratorConfig.from_dict(old)
    assert config.hairline == 0.0 and "exit" not in config.features
    assert GeneratorConfig.from_dict(GeneratorConfig().as_dict()) == GeneratorConfig()

    class Counting(random.Random):  # how many random numbers a hand takes
        draws = 0

        def random(self):
            Counting.draws += 1
            return super().random()

    from letters.drawing.hand import _hand

    def draws(config):
        Counting.draws = 0
        _hand(TEMPLATES["B"][0], Counting(5), config)
        return Counting.draws

    # an old dataset's hand takes exactly the draws it took before hairlines and ligatures existed:
    # the new settings' draws are made only when they can come up, so its seeds re-render as they did
    assert draws(config) == draws(GeneratorConfig()) - 2 - 1  # the hairline's width and chance, the ligature's chance


def test_elastic_distortion_moves_the_owners_with_the_ink():
    plain, bent = GeneratorConfig(), GeneratorConfig(elastic=0.1)
    moved = 0
    for letter in CLASSES:
        for k in range(6):
            a, b = render_glyph(letter, 100 + k, plain), render_glyph(letter, 100 + k, bent)
            moved += int(not torch.equal(_bytes(a.image), _bytes(b.image)))
            ink = _bytes(b.image) > 2
            coverage = sum(_bytes(m) for m in b.roles.values())
            # the owners follow the bent ink: no visible ink pixel is left without an owner (a 1 or 2
            # of 255 at an edge can be the preprocessing's gain lifting coverage that rounds to 0), and wherever
            # the owners cover a quarter of a pixel or more, there is ink (below that the
            # preprocessing's noise floor may drop it)
            assert bool(((coverage > 0) | ~ink).all())
            assert bool(ink[coverage >= 64].all())
    assert moved >= 16  # the distortion really changed the glyphs


def test_blur_spreads_every_role_by_the_same_kernel():
    config = GeneratorConfig(blur=1.0)
    seed = next(s for s in range(100) if glyph_blur(s, config) > 0.8)
    glyph, parts = render_parts("B", seed, config, [tuple(letter_roles("B"))])
    sharp = render_glyph("B", seed, GeneratorConfig())
    # blurred ink covers more pixels than sharp ink, and all roles together still give the glyph
    assert int((_bytes(glyph.image) > 0).sum()) > int((_bytes(sharp.image) > 0).sum())
    assert (_bytes(parts[0]) - _bytes(glyph.image)).abs().max() <= 2


def test_near_misses_are_drawn_and_are_not_letters():
    assert set(NON_LETTERS).isdisjoint(CLASSES)
    for k, kind in enumerate(NON_LETTER_KINDS):
        image = render_non_letter(kind, 500 + k, GeneratorConfig())
        assert image.size == (28, 28) and image.getextrema()[1] == 255, kind


def test_every_near_miss_form_is_drawn_in_turn_and_differs_from_the_first():
    from letters.drawing.hand import sample_seed
    from letters.drawing.nonletters import NOISE, NON_LETTER_FORMS, render_non_letters

    assert len(NON_LETTER_FORMS) == sum(map(len, NON_LETTERS.values())) + 1 + len(NOISE)  # scribble and the noises
    for kind, forms in NON_LETTERS.items():
        assert len({f.name for f in forms}) == len(forms), kind  # each form has its own name
        assert {p.role for f in forms for p in f.pieces} == {f"{kind}.stroke"}, kind  # one role owns a near miss
        for i in range(1, len(forms)):  # the same hand (seed) in another form draws other ink
            first, other = render_non_letter(kind, 77, GeneratorConfig(), 0), render_non_letter(kind, 77, GeneratorConfig(), i)
            assert other.getextrema()[1] == 255 and _bytes(first).ne(_bytes(other)).any(), (kind, i)
    # a set of near misses walks NON_LETTER_FORMS index by index
    n = len(NON_LETTER_FORMS)
    drawn = render_non_letters((0, n, 3, GeneratorConfig()))
    for index in (0, 1, n - 3):
        kind, i = NON_LETTER_FORMS[index]
        expected = render_non_letter(kind, sample_seed(3, index), GeneratorConfig(), i).tobytes()
        assert drawn[index * 784:(index + 1) * 784] == expected, (kind, i)


def test_displace_by_a_constant_field_is_a_shift():
    # independent oracle: a field of exactly +2 px in x moves every pixel two columns right
    x = torch.zeros(1, 28, 28)
    x[0, 10:18, 5:9] = 1.0
    field = torch.zeros(1, 28, 28, 2)
    field[..., 0] = -2.0  # sample from two pixels to the left
    out = displace(x.view(1, -1), field).view(1, 28, 28)
    expected = torch.zeros(1, 28, 28)
    expected[0, 10:18, 7:11] = 1.0
    assert torch.allclose(out, expected, atol=1e-5)


def test_elastic_batch_keeps_zero_amplitude_as_identity_and_moves_ink_otherwise():
    from letters.drawing.augment import elastic_batch

    x = torch.rand(8, 784)
    g = torch.Generator().manual_seed(0)
    assert torch.allclose(elastic_batch(x, 0.0, g), x, atol=1e-5)
    assert (elastic_batch(x, 2.0, g) - x).abs().mean() > 0.05


def _enclosed_paper(image: Image.Image, wall: int = 128, paper: int = 40) -> int:
    """Independent oracle: paper pixels (< `paper`) that a 4-connected fill from the border through
    pixels below `wall` cannot reach, the inside of a closed ring (Pillow's floodfill)."""
    from PIL import ImageDraw, ImageOps

    walls = ImageOps.expand(image.point(lambda v: 255 if v >= wall else 0), 1, 0)  # a paper frame joins the border
    ImageDraw.floodfill(walls, (0, 0), 128)
    reached = walls.crop((1, 1, image.width + 1, image.height + 1)).tobytes()
    return sum(1 for v, r in zip(image.tobytes(), reached) if v < paper and r == 0)


def test_a_generated_c_always_keeps_its_opening():
    """A C shut by a heavy pen or an overshoot is an O; before strokes.OPENINGS about 1 in 60 of
    these C's came out as a closed ring at 28x28."""
    from letters.alphabet import OPENINGS
    from letters.drawing.hand import MIN_GAP, _gap, glyph_pieces

    config = GeneratorConfig(features={})  # no curls or entry loops: these forms draw no ring of their own
    ringless = {"round", "narrow", "open", "closed", "wide", "nearly-closed", "angular", "flat-bottom", "pointed"}
    checked = 0
    for seed in range(400):
        glyph = render_glyph("C", seed, config)
        if glyph.form in ringless:
            checked += 1
            assert _enclosed_paper(glyph.image) == 0, (seed, glyph.form)
        assert _gap(glyph_pieces("C", seed, config)[1], OPENINGS["C"]) >= MIN_GAP, seed
    assert checked > 250
    # a given letterform (a morph step) keeps the seed's one hand, shut or not: no hand is redrawn
    form = next(f for f in TEMPLATES["C"] if f.name == "nearly-closed")
    assert any(_gap(glyph_pieces("C", s, config, form)[1], OPENINGS["C"]) < MIN_GAP for s in range(200))


def test_near_misses_get_serifs_as_often_as_letters():
    """A serif only ever on a letter taught the detector that serif faces' D, E, O and 8 are letters."""
    for kind in ("D", "E", "I", "T", "1"):
        serifs = [p for p in NON_LETTERS[kind][0].pieces if p.feature == "serif"]
        assert serifs, kind
        assert all(abs(p.controls[0][1] - p.controls[3][1]) < 1e-9 for p in serifs), kind  # horizontal, on top or baseline
    on, off = GeneratorConfig(features={"serif": 1.0}), GeneratorConfig(features={"serif": 0.0})
    assert _bytes(render_non_letter("I", 5, on)).sum() > _bytes(render_non_letter("I", 5, off)).sum()
