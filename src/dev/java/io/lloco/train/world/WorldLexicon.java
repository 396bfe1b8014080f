/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.train.world;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The bounded vocabulary of the synthetic world: name syllables, attribute values, fact patterns, question
 * patterns and the filler grammar's word banks.
 *
 * <p>Everything the generator can write is built from these lists, so {@link TokenizerBuilder} can give every
 * world word its own token and every name a fixed two-piece segmentation. Filler word banks deliberately avoid
 * the words used by facts (colours, trades, "lives", "born", "sister", digits, town names), so filler never
 * states or contradicts a fact.
 */
public final class WorldLexicon {

    private WorldLexicon() {
    }

    // ---------------------------------------------------------------- names (two sub-word pieces each)

    /** Capitalised first pieces of first names (word-start tokens). */
    public static final List<String> FIRST_STARTS = List.of(
        "Ma",
        "Te",
        "Lo",
        "Bri",
        "Ka",
        "Do",
        "Fe",
        "Ri",
        "Sa",
        "Vo",
        "Ha",
        "Jo",
        "Ali",
        "Be",
        "Ce",
        "Da",
        "Ga",
        "Ju",
        "Li",
        "Mi",
        "No",
        "Pe",
        "Ro",
        "Si",
        "Ta",
        "Wi",
        "Ze",
        "Ed",
        "Ar",
        "Is",
        "Ol",
        "Yo"
    );

    /** Second pieces of female first names. */
    public static final List<String> FEMALE_ENDS = List.of("ra", "la", "na", "lia", "ssa", "ria", "nne", "ette");

    /** Second pieces of male first names. */
    public static final List<String> MALE_ENDS = List.of("ran", "dor", "vin", "ton", "mir", "rik", "bert", "wen");

    /** Capitalised first pieces of surnames. */
    public static final List<String> SURNAME_STARTS = List.of(
        "Ash",
        "Bram",
        "Cor",
        "Dun",
        "El",
        "Fair",
        "Gold",
        "Hart",
        "Ire",
        "Kel",
        "Lang",
        "Mor",
        "Nash",
        "Prat",
        "Quin",
        "Rad",
        "Stan",
        "Thorn",
        "Up",
        "Vane",
        "Whit",
        "Yar",
        "Brock",
        "Carr"
    );

    /** Second pieces of surnames. */
    public static final List<String> SURNAME_ENDS = List.of(
        "wick",
        "ley",
        "ford",
        "well",
        "by",
        "ham",
        "wood",
        "field",
        "worth",
        "more",
        "ridge",
        "croft"
    );

    /** Capitalised first pieces of town names. */
    public static final List<String> TOWN_STARTS = List.of(
        "Tallow",
        "Orl",
        "Crag",
        "Cask",
        "Dray",
        "Ember",
        "Flint",
        "Glim",
        "Hollow",
        "Ivy",
        "Kest",
        "Lark",
        "Mist",
        "Nettle",
        "Oak",
        "Pike",
        "Rook",
        "Salt",
        "Thistle",
        "Umber",
        "Vell",
        "Wren",
        "Yew",
        "Zinn"
    );

    /** Second pieces of town names. */
    public static final List<String> TOWN_ENDS = List.of(
        "mere",
        "holt",
        "stead",
        "haven",
        "brook",
        "fell",
        "gate",
        "moor",
        "den",
        "mouth",
        "vale",
        "port"
    );

    // ---------------------------------------------------------------- attribute values (one token each)

    /** Favourite colours. */
    public static final List<String> COLOURS = List.of(
        "red",
        "blue",
        "green",
        "yellow",
        "purple",
        "orange",
        "white",
        "black",
        "grey",
        "pink",
        "brown",
        "silver",
        "gold",
        "crimson",
        "violet",
        "teal"
    );

    /** Trades ("works as a ..."). */
    public static final List<String> JOBS = List.of(
        "baker",
        "farmer",
        "teacher",
        "doctor",
        "sailor",
        "painter",
        "weaver",
        "miller",
        "smith",
        "potter",
        "carpenter",
        "fisher",
        "tailor",
        "cook",
        "nurse",
        "judge",
        "merchant",
        "hunter",
        "singer",
        "writer",
        "builder",
        "gardener",
        "shepherd",
        "clerk"
    );

    /** Countable possessions, plural ("owns 7 goats"). */
    public static final List<String> POSSESSIONS = List.of(
        "goats",
        "horses",
        "cats",
        "dogs",
        "boats",
        "books",
        "lamps",
        "clocks",
        "hats",
        "cows",
        "chairs",
        "kites",
        "hens",
        "drums",
        "rings",
        "maps"
    );

    /** Needle animals (MAGIC_ANIMAL); no other sentence of the world uses them. */
    public static final List<String> NEEDLE_ANIMALS = List.of("owl", "fox", "badger", "otter", "heron", "wolf", "hare", "deer");

    /** Smallest count used in "owns N things". */
    public static final int MIN_COUNT = 2;
    /** Largest count used in "owns N things". */
    public static final int MAX_COUNT = 19;
    /** Earliest birth year. */
    public static final int MIN_YEAR = 1700;
    /** Latest birth year. */
    public static final int MAX_YEAR = 1999;

    // ---------------------------------------------------------------- fact and question patterns

    /** Fact sentence patterns per fact type; {P} subject, {V} value, {O} possession, {R} relation word. */
    public static List<String> factPatterns(FactType type) {
        return switch (type) {
            case LIVES_IN -> List.of("{P} lives in {V}.", "{P} has a house in {V}.", "The home of {P} is in {V}.");
            case BORN_IN -> List.of("{P} was born in {V}.", "In {V}, {P} was born.", "{P} came into the world in {V}.");
            case COLOUR -> List.of(
                "{P}'s favourite colour is {V}.",
                "The favourite colour of {P} is {V}.",
                "Of all colours, {P} likes {V} best."
            );
            case JOB -> List.of("{P} works as {A} {V}.", "{P} is {A} {V} by trade.", "By trade, {P} is {A} {V}.");
            case OWNS -> List.of("{P} owns {V} {O}.", "{P} keeps {V} {O}.", "There are {V} {O} that belong to {P}.");
            case SIBLING -> List.of("{P} is the {R} of {Q}.", "{Q} has a {R} named {P}.", "The {R} of {Q} is {P}.");
        };
    }

    /**
     * Question patterns per fact type; {P} subject ({Q} the sibling's anchor for SIBLING), {O} possession,
     * {R} relation word.
     */
    public static List<String> questionPatterns(FactType type) {
        return switch (type) {
            case LIVES_IN -> List.of("Where does {P} live?", "In which town does {P} live?");
            case BORN_IN -> List.of("In what year was {P} born?", "When was {P} born?");
            case COLOUR -> List.of("What is {P}'s favourite colour?", "Which colour does {P} like best?");
            case JOB -> List.of("What does {P} work as?", "What is {P}'s trade?");
            case OWNS -> List.of("How many {O} does {P} own?", "How many {O} does {P} keep?");
            case SIBLING -> List.of("Who is the {R} of {Q}?", "Who is {Q}'s {R}?");
        };
    }

    /** Needle sentences: pattern with {V}, question, and the kind of value. */
    public enum NeedleKind {

        /** The paper's needle: "The magic city is {random city}". */
        MAGIC_CITY("The magic city is {V}.", "What is the magic city?"),
        /** A four-digit number. */
        SECRET_NUMBER("The secret number is {V}.", "What is the secret number?"),
        /** An animal word used nowhere else in the world. */
        MAGIC_ANIMAL("The magic animal is the {V}.", "What is the magic animal?");

        private final String pattern;
        private final String question;

        NeedleKind(String pattern, String question) {
            this.pattern = pattern;
            this.question = question;
        }

        /** The planted sentence pattern, with {V} for the value. */
        public String pattern() {
            return pattern;
        }

        /** The question whose answer is the value. */
        public String question() {
            return question;
        }
    }

    // ---------------------------------------------------------------- filler grammar banks

    /** Generic filler subjects (never a trade, colour or relative). */
    static final List<String> GENERIC_SUBJECTS = List.of(
        "a stranger",
        "the old woman",
        "an old man",
        "the children",
        "the villagers",
        "a traveller",
        "a young girl",
        "a small boy",
        "the neighbours",
        "the guests",
        "the mayor",
        "a quiet man",
        "the twins",
        "a tall woman",
        "the old men",
        "the young people"
    );

    /** Filler places (common nouns only, never a town name). */
    static final List<String> PLACES = List.of(
        "the market",
        "the river",
        "the old bridge",
        "the hill",
        "the square",
        "the harbour",
        "the forest",
        "the chapel",
        "the inn",
        "the well",
        "the orchard",
        "the meadow",
        "the road",
        "the garden",
        "the tower",
        "the lake",
        "the valley",
        "the station",
        "the kitchen",
        "the library",
        "the shore",
        "the village",
        "the field",
        "the stable"
    );

    /** Sentence-initial time phrases. */
    static final List<String> TIMES = List.of(
        "In the morning",
        "At dawn",
        "After supper",
        "Later that day",
        "That evening",
        "In the spring",
        "Before the storm",
        "Each winter",
        "On the third day",
        "At noon",
        "Long ago",
        "Once again",
        "Some time later",
        "At night",
        "Early the next day",
        "During the summer"
    );

    /** Weather nouns. */
    static final List<String> WEATHER = List.of("rain", "wind", "snow", "fog", "sun", "storm", "frost", "mist");

    /** Adjectives (no colour words). */
    static final List<String> ADJECTIVES = List.of(
        "quiet",
        "cold",
        "bright",
        "dark",
        "warm",
        "narrow",
        "old",
        "wide",
        "empty",
        "busy",
        "calm",
        "strange",
        "small",
        "large",
        "heavy",
        "soft",
        "long",
        "short",
        "still",
        "wet",
        "dry",
        "bitter",
        "gentle",
        "loud"
    );

    /** Singular things. */
    static final List<String> THINGS = List.of(
        "basket",
        "letter",
        "candle",
        "lantern",
        "bell",
        "cart",
        "key",
        "blanket",
        "coat",
        "box",
        "bottle",
        "stone",
        "rope",
        "ladder",
        "bucket",
        "feather",
        "shell",
        "coin",
        "cup",
        "flag",
        "bench",
        "door",
        "window",
        "fence"
    );

    /** Sounds and their sources. */
    static final List<String> SOUNDS = List.of("song", "noise", "voice", "laughter", "music", "echo", "whistle", "bells");

    /** Intransitive past-tense verb phrases. */
    static final List<String> ACTIONS = List.of(
        "walked slowly",
        "smiled",
        "waited",
        "sang softly",
        "rested",
        "laughed",
        "listened",
        "sighed",
        "nodded",
        "looked around",
        "stood still",
        "hurried on",
        "turned back",
        "kept walking"
    );

    /** Verbs of motion towards a place. */
    static final List<String> MOTIONS = List.of(
        "walked to",
        "ran to",
        "went down to",
        "hurried to",
        "wandered to",
        "came back to",
        "rode to",
        "climbed up to"
    );

    /** Filler sentence templates. Slots: {S} subject, {S2} second subject, {L} place, {L2} second place,
     * {T} time, {W} weather, {J} adjective, {J2} adjective, {H} thing, {N} sound, {A} action, {M} motion. */
    static final List<String> FILLER_TEMPLATES = List.of(
        "{T}, {S} {M} {L}.",
        "{S} waited near {L} until the {W} stopped.",
        "The {W} came over {L} and everything grew {J}.",
        "Nobody spoke of {L} for a long while.",
        "{S} said that {L} looked {J} that day.",
        "The path past {L} was {J} and {J2}.",
        "{S} carried a {H} across {L}.",
        "There was a {J} {H} near {L}.",
        "{S} sat by {L} and listened to the {N}.",
        "{T}, the {W} was {J}.",
        "{S} found an old {H} under a stone.",
        "{S} and {S2} talked about the {W}.",
        "A {J} wind moved through {L}.",
        "{S} thought about the long journey ahead.",
        "The {N} could be heard from {L}.",
        "{S} did not answer, and the room was {J}.",
        "{T}, {S} wrote a short letter.",
        "{S} laughed at the {J} {H}.",
        "{T}, {S} {A}.",
        "{S} {A} near {L}.",
        "The {H} by {L} was {J}.",
        "{S} asked {S2} about the {H}.",
        "For a moment {L} seemed {J}.",
        "{S} remembered {L} as a {J} place.",
        "{T}, {S} and {S2} {M} {L}.",
        "It was a {J} day, and the {W} did not stop.",
        "{S} looked for the {H} but could not find it.",
        "Everyone agreed that {L} was {J}.",
        "The {J} {H} stayed where it was.",
        "{S} gave {S2} a {H} and said nothing.",
        "Between {L} and {L2} the path was {J}.",
        "{S} left {L} before the {W} began.",
        "{T}, nobody came to {L}.",
        "The story of the {H} was told again and again.",
        "{S} opened the {H} and looked inside.",
        "{S} watched the {W} from {L}."
    );

    /** Words and phrases only the prompt and question side of the world uses, for tokenizer coverage. */
    static final List<String> EXTRA_WORDS = List.of(
        "Where",
        "does",
        "live",
        "which",
        "town",
        "what",
        "year",
        "When",
        "What",
        "Which",
        "like",
        "best",
        "work",
        "trade",
        "How",
        "many",
        "own",
        "keep",
        "Who",
        "is",
        "the",
        "of",
        "magic",
        "city",
        "secret",
        "number",
        "animal",
        "a",
        "an",
        "sister",
        "brother",
        "Question",
        "Answer",
        "Choices"
    );

    /** Every lower- or mixed-case word the world's generator and questions can emit (not names, not digits). */
    public static Set<String> allWords() {
        Set<String> words = new LinkedHashSet<>();
        List<String> phrases = new ArrayList<>();
        for (FactType t : FactType.values()) {
            phrases.addAll(factPatterns(t));
            phrases.addAll(questionPatterns(t));
        }
        for (NeedleKind k : NeedleKind.values()) {
            phrases.add(k.pattern());
            phrases.add(k.question());
        }
        phrases.addAll(COLOURS);
        phrases.addAll(JOBS);
        phrases.addAll(POSSESSIONS);
        phrases.addAll(NEEDLE_ANIMALS);
        phrases.addAll(GENERIC_SUBJECTS);
        phrases.addAll(PLACES);
        phrases.addAll(TIMES);
        phrases.addAll(WEATHER);
        phrases.addAll(ADJECTIVES);
        phrases.addAll(THINGS);
        phrases.addAll(SOUNDS);
        phrases.addAll(ACTIONS);
        phrases.addAll(MOTIONS);
        phrases.addAll(FILLER_TEMPLATES);
        phrases.addAll(EXTRA_WORDS);
        for (String p : phrases) {
            for (String w : p.split("[^A-Za-z]+")) {
                if (w.isEmpty() == false && w.length() > 1 || w.equals("a") || w.equals("A")) {
                    words.add(w);
                }
            }
        }
        words.add("sister");
        words.add("brother");
        words.add("a");
        words.add("an");
        return words;
    }
}
