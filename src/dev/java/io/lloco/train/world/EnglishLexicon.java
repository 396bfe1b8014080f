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
 * About 2,000 common English words, roughly in order of frequency, so the lloco-tiny tokenizer gives ordinary
 * English (user documents, the paper's prompts) whole-word tokens and learns sensible sub-word pieces for the
 * rest. Hand-written for this project; used only by {@link TokenizerBuilder}.
 */
public final class EnglishLexicon {

    private EnglishLexicon() {
    }

    private static final String WORDS = """
        the of and to a in is it you that he was for on are with as I his they be at one have this from or
        had by not word but what some we can out other were all there when up use your how said an each she
        which do their time if will way about many then them write would like so these her long make thing see
        him two has look more day could go come did number sound no most people my over know water than call
        first who may down side been now find any new work part take get place made live where after back little
        only round man year came show every good me give our under name very through just form sentence great
        think say help low line differ turn cause much mean before move right boy old too same tell does set three
        want air well also play small end put home read hand port large spell add even land here must big high
        such follow act why ask men change went light kind off need house picture try us again animal point
        mother world near build self earth father head stand own page should country found answer school grow
        study still learn plant cover food sun four between state keep eye never last let thought city tree
        cross farm hard start might story saw far sea draw left late run while press close night real life few
        north open seem together next white children begin got walk example ease paper group always music those
        both mark often letter until mile river car feet care second book carry took science eat room friend
        began idea fish mountain stop once base hear horse cut sure watch color face wood main enough plain girl
        usual young ready above ever red list though feel talk bird soon body dog family direct pose leave song
        measure door product black short numeral class wind question happen complete ship area half rock order
        fire south problem piece told knew pass since top whole king space heard best hour better true during
        hundred five remember step early hold west ground interest reach fast verb sing listen six table travel
        less morning ten simple several vowel toward war lay against pattern slow center love person money
        serve appear road map rain rule govern pull cold notice voice unit power town fine certain fly fall lead
        cry dark machine note wait plan figure star box noun field rest correct able pound done beauty drive
        stood contain front teach week final gave green oh quick develop ocean warm free minute strong special
        mind behind clear tail produce fact street inch multiply nothing course stay wheel full force blue
        object decide surface deep moon island foot system busy test record boat common gold possible plane
        stead dry wonder laugh thousand ago ran check game shape equate hot miss brought heat snow tire bring
        yes distant fill east paint language among grand ball yet wave drop heart am present heavy dance engine
        position arm wide sail material size vary settle speak weight general ice matter circle pair include
        divide syllable felt perhaps pick sudden count square reason length represent art subject region energy
        hunt probable bed brother egg ride cell believe fraction forest sit race window store summer train sleep
        prove lone leg exercise wall catch mount wish sky board joy winter sat written wild instrument kept glass
        grass cow job edge sign visit past soft fun bright gas weather month million bear finish happy hope
        flower clothe strange gone jump baby eight village meet root buy raise solve metal whether push seven
        paragraph third shall held hair describe cook floor either result burn hill safe cat century consider
        type law bit coast copy phrase silent tall sand soil roll temperature finger industry value fight lie
        beat excite natural view sense ear else quite broke case middle kill son lake moment scale loud spring
        observe child straight consonant nation dictionary milk speed method organ pay age section dress cloud
        surprise quiet stone tiny climb cool design poor lot experiment bottom key iron single stick flat twenty
        skin smile crease hole trade melody trip office receive row mouth exact symbol die least trouble shout
        except wrote seed tone join suggest clean break lady yard rise bad blow oil blood touch grew cent mix
        team wire cost lost brown wear garden equal sent choose fell fit flow fair bank collect save control
        decimal gentle woman captain practice separate difficult doctor please protect noon whose locate ring
        character insect caught period indicate radio spoke atom human history effect electric expect crop modern
        element hit student corner party supply bone rail imagine provide agree thus capital chair danger fruit
        rich thick soldier process operate guess necessary sharp wing create neighbor wash bat rather crowd
        corn compare poem string bell depend meat rub tube famous dollar stream fear sight thin triangle planet
        hurry chief colony clock mine tie enter major fresh search send yellow gun allow print dead spot desert
        suit current lift rose continue block chart hat sell success company subtract event particular deal swim
        term opposite wife shoe shoulder spread arrange camp invent cotton born determine quart nine truck noise
        level chance gather shop stretch throw shine property column molecule select wrong gray repeat require
        broad prepare salt nose plural anger claim continent oxygen sugar death pretty skill women season
        solution magnet silver thank branch match suffix especially fig afraid huge sister steel discuss forward
        similar guide experience score apple bought led pitch coat mass card band rope slip win dream evening
        condition feed tool total basic smell valley nor double seat arrive master track parent shore division
        sheet substance favor connect post spend chord fat glad original share station dad bread charge proper
        bar offer segment slave duck instant market degree populate chick dear enemy reply drink occur support
        speech nature range steam motion path liquid log meant quotient teeth shell neck
        is are was were been being has had having does did doing done said says saying made makes making went goes
        going gone came comes coming took takes taking gave gives giving got gets getting knew knows knowing
        thought thinks thinking told tells telling became becomes becoming left leaves leaving felt feels
        feeling brought brings bringing began begins beginning kept keeps keeping held holds holding wrote writes
        writing stood stands standing heard hears hearing let lets letting meant means meaning set sets setting
        met meets meeting ran runs running paid pays paying sat sits sitting spoke speaks speaking lay lies lying
        led leads leading read reads reading grew grows growing lost loses losing fell falls falling sent sends
        sending built builds building understood understands understanding drew draws drawing broke breaks
        breaking spent spends spending cut cuts cutting rose rises rising drove drives driving bought buys buying
        wore wears wearing chose chooses choosing used uses using asked asks asking called calls calling tried
        tries trying looked looks looking needed needs needing seemed seems seeming wanted wants wanting worked
        works working turned turns turning started starts starting showed shows showing played plays playing
        moved moves moving lived lives living believed believes happened happens happening included includes
        including continued continues continuing changed changes changing followed follows following stopped
        stops stopping created creates creating opened opens opening walked walks walking offered offers
        remembered loved loves considered appeared appears appearing waited waits waiting served serves died
        dies dying expected expects reached reaches stayed stays killed kills raised raises passed passes
        passing required requires reported reports reporting decided decides pulled pulls returned returns
        explained explains hoped hopes developed develops carried carries received receives agreed agrees
        supported supports helped helps helping added adds allowed allows learned learns learning described
        describes provided provides produced produces answered answers answering noticed notices
        years days times people things words ways parts places numbers hands eyes children men women homes
        countries schools students families groups problems questions points systems programs cities states
        companies books stories lines friends names rooms trees houses years weeks months hours minutes nights
        ideas reasons studies results changes members levels areas services jobs cars kids girls boys heads
        government information development business history community research health service education
        public national social political economic international local local important available different
        possible similar major human large small personal recent early late able likely whole free military
        federal medical financial various environmental legal cultural physical natural significant certain
        however although because therefore without within around across along behind beyond among toward
        towards upon into onto about above below under over between against during before after since until
        through throughout despite except unless whether while though also already almost always never often
        sometimes usually perhaps maybe probably really actually simply certainly clearly finally especially
        quickly slowly suddenly together away again ago else enough even ever here there everywhere nowhere
        yesterday today tomorrow tonight soon later now then still yet just only quite rather very too
        anything everything nothing something anyone everyone someone nobody everybody somebody itself myself
        yourself himself herself ourselves themselves whom whose whatever whoever whichever wherever whenever
        data model models method methods paper section table figure results result task tasks dataset datasets
        training train trained test tests testing performance approach approaches language languages text texts
        document documents query queries search index indexes memory context contexts token tokens input inputs
        output outputs layer layers network networks learning machine machines neural attention encoder decoder
        compression compressed embedding embeddings vector vectors summary summaries prompt prompts answer
        answers article articles meeting transcript report reports analysis value values feature features
        function functions error errors file files code user users server client request response version
        example examples number numbers list lists set sets size sizes length long short first last next previous
        one two three four five six seven eight nine ten eleven twelve hundred thousand million billion half
        zero percent per cent first second third fourth fifth
        Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June July
        August September October November December English American British French German Chinese Japanese
        Mr Mrs Ms Dr St Inc Ltd Co vs etc ie eg
        president police court money law war market price prices cost costs rate rates tax taxes policy policies
        party parties election vote member minister officer officers director manager chairman leader leaders
        team teams player players game games season club sport sports film films movie movies music song songs
        art show shows television news newspaper magazine website internet computer computers phone phones
        software hardware technology science scientist scientists doctor doctors hospital patient patients
        disease care health food foods water energy oil gas power plant plants animal animals species body
        blood heart brain mind life death birth age ages man woman child baby mother father son daughter
        brother sister husband wife friend friends neighbour neighbours king queen prince princess lord lady
        church god religion faith spirit soul love hate fear hope joy anger peace war battle army soldier
        soldiers enemy enemies weapon weapons gun guns sword ship ships boat boats plane planes car cars train
        trains road roads street streets bridge bridges city cities town towns village villages country
        countries world earth land sea ocean river rivers lake lakes mountain mountains hill hills forest
        forests tree trees flower flowers grass garden gardens field fields farm farms house houses home homes
        room rooms door doors window windows wall walls floor roof kitchen bed table chair chairs desk office
        shop store bank hotel restaurant school university college class classes lesson teacher teachers
        student students story stories book books page pages letter letters word words name names voice
        voices sound sounds light lights colour colours color colors picture pictures image images face faces
        eye hand hands arm arms leg legs foot feet head hair mouth ear ears nose skin bone bones
        morning afternoon evening night day days week weeks month months year years hour hours minute minutes
        second seconds moment moments time times century centuries past present future history beginning end
        small big great little large old new young good bad best better worse worst high low long short hot cold
        warm cool dark bright happy sad angry afraid tired sick strong weak rich poor easy hard difficult simple
        beautiful ugly clean dirty quiet loud fast slow early late right wrong true false real full empty open
        closed free busy ready sure clear important interesting special common main whole private general
        """;

    /** The words, de-duplicated, in the order written. */
    public static List<String> words() {
        Set<String> out = new LinkedHashSet<>();
        for (String w : WORDS.trim().split("\\s+")) {
            if (w.isEmpty() == false) {
                out.add(w);
            }
        }
        return new ArrayList<>(out);
    }
}
